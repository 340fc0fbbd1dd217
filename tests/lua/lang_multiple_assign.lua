-- Multiple assignment: swaps, extra values dropped, missing values nil, calls expanding last.
local a, b, c = 1, 2
print(a, b, c)
a, b = b, a
print(a, b)
local x, y = 1, 2, 3
print(x, y)
local function two() return "p", "q" end
local p, q, r = two()
print(p, q, r)
local s, t, u = two(), "z"
print(s, t, u)
local arr = {10, 20, 30}
local i = 1
i, arr[i] = i + 1, "changed"
print(i, arr[1], arr[2])
arr[1], arr[3] = arr[3], arr[1]
print(table.concat(arr, ","))
local m = {}
m.a, m.b, m.c = two()
print(m.a, m.b, m.c)
local n1, n2 = (two())
print(n1, n2)
