-- The length operator on lists the table functions build and shrink.
local t = {}
for i = 1, 100 do table.insert(t, i) end
print(#t, t[1], t[100])
for _ = 1, 40 do table.remove(t) end
print(#t, t[60], t[61])
for _ = 1, 10 do table.remove(t, 1) end
print(#t, t[1], t[50])
table.insert(t, 1, "head")
table.insert(t, #t + 1, "tail")
print(#t, t[1], t[#t])
-- Growing by appending with #t + 1.
local grown = {}
for i = 1, 50 do grown[#grown + 1] = i * 2 end
print(#grown, table.concat(grown, ",", 45))
-- pack/unpack keep lengths.
local packed = table.pack(table.unpack(grown))
print(packed.n, #packed)
-- move extends the destination.
local dest = {1, 2}
table.move(grown, 1, 10, 3, dest)
print(#dest, dest[12])
-- Emptying with remove.
while #dest > 0 do table.remove(dest) end
print(#dest, next(dest) == nil)
