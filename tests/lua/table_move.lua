-- table.move: copies within a table (overlapping) and between tables.
local function show(t, n)
  local parts = {}
  for i = 1, n do parts[i] = tostring(t[i]) end
  print(table.concat(parts, " "))
end

local t = {1, 2, 3, 4, 5}
table.move(t, 1, 3, 3)
show(t, 5)
t = {1, 2, 3, 4, 5}
table.move(t, 3, 5, 1)
show(t, 5)
t = {1, 2, 3, 4, 5}
table.move(t, 2, 4, 2)
show(t, 5)
t = {1, 2, 3}
table.move(t, 1, 3, 4)
show(t, 6)

-- To another table; the result is the destination.
local src = {"a", "b", "c"}
local dst = {"x", "y", "z", "w"}
local r = table.move(src, 1, 3, 2, dst)
print(r == dst)
show(dst, 4)
-- Copying a whole list.
local copy = table.move(src, 1, #src, 1, {})
show(copy, #copy)
print(copy ~= src, #copy)
-- An empty range copies nothing and returns the destination.
print(table.move(src, 3, 1, 1) == src, table.move(src, 2, 1, 1, dst) == dst)
-- Negative and zero indices.
local z = {[-1] = "m1", [0] = "zero", "one"}
local out = table.move(z, -1, 1, 1, {})
show(out, 3)
-- Moving nils clears.
local holes = {1, 2, 3, 4}
table.move({}, 1, 2, 3, holes)
print(holes[1], holes[2], holes[3], holes[4])
-- A large move (the budget is charged per element).
local big = {}
for i = 1, 100000 do big[i] = i end
local moved = table.move(big, 1, #big, 1, {})
print(#moved, moved[1], moved[100000])

local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() table.move({}, 1, math.maxinteger, 2) end)
try(function() table.move({}, -1, math.maxinteger, 2) end)
try(function() table.move({1, 2}, 1, 2, math.maxinteger) end)
try(function() table.move(1, 1, 2, 3) end)
try(function() table.move({}, 1, 2, 3, 5) end)
try(function() table.move({}, "a", 2, 3) end)
try(function() table.move({}, 1, nil, 3) end)
try(function() table.move({}, 1, 2) end)
try(function() table.move({}, 1, 2.5, 1) end)
-- Destination wrap-around is only checked for non-empty ranges.
try(function() table.move({}, 2, 1, math.maxinteger) end)
