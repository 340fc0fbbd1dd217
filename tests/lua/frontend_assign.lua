-- Multiple assignment evaluates every value before assigning (piccolo 0.3.3 did not).
local x, y = 1, 2
x, y = y, x
print(x, y)
local t = {10, 20, 30}
local i, j = 1, 3
t[i], t[j] = t[j], t[i]
print(t[1], t[2], t[3])
local a, b = 'a', 'b'
do
  local a, b = b, a
  print(a, b)
end
print(a, b)
-- Target keys are evaluated before any assignment (the Lua manual's example).
i = 3
local arr = {}
i, arr[i] = i + 1, 20
print(i, arr[3], arr[4])
-- Extra values are dropped, missing ones are nil, calls expand last only.
local function two() return 1, 2 end
local p, q, r = two()
print(p, q, r)
p, q, r = two(), 5
print(p, q, r)
p, q = 7
print(p, q)
-- Swapping fields through a chain of tables.
local m = {row = {1, 2}}
m.row[1], m.row[2] = m.row[2], m.row[1]
print(m.row[1], m.row[2])
-- Rotation of three.
local u, v, w = 1, 2, 3
u, v, w = v, w, u
print(u, v, w)
