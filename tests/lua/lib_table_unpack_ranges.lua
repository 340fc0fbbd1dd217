-- table.unpack with ranges, holes and explicit counts; table.pack's n.
print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2))
print(table.unpack({1, 2, 3}, 2, 5))
print(table.unpack({1, 2, 3}, 0, 1))
print(select("#", table.unpack({}, 1, 3)))
print(table.unpack({}, 1, 0))
local p = table.pack(1, nil, 3, nil)
print(p.n, #p >= 0, table.unpack(p, 1, p.n))
print(table.unpack({"a", "b"}, -1, 1))
local function forward(...) local t = table.pack(...) return table.unpack(t, 1, t.n) end
print(forward(nil, 2, nil))
print(select("#", forward(nil, nil)))
local big = {}
for i = 1, 200 do big[i] = i end
print(select("#", table.unpack(big)), (select(200, table.unpack(big))))
print(math.max(table.unpack({5, 9, 2})))
