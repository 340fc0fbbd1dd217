-- table.move with overlapping ranges in both directions, into another table, empty ranges.
local function show(t, n) local o = {} for i = 1, n do o[i] = tostring(t[i]) end return table.concat(o, " ") end
local a = {1, 2, 3, 4, 5}
table.move(a, 1, 3, 2)
print(show(a, 5))
local b = {1, 2, 3, 4, 5}
table.move(b, 2, 5, 1)
print(show(b, 5))
local c = table.move({1, 2, 3}, 1, 3, 3, {})
print(show(c, 5))
local d = {1, 2, 3}
print(table.move(d, 2, 1, 1) == d, show(d, 3))
local e = table.move({"a", "b"}, 1, 2, 1)
print(show(e, 2))
local insert_at = {"a", "b", "d", "e"}
table.move(insert_at, 3, #insert_at, 4)
insert_at[3] = "c"
print(table.concat(insert_at))
