-- Scoping: shadowed locals, nested blocks, locals vs globals of the same name, loop variables.
x = "global"
local x = "outer"
do
  local x = "inner"
  print(x)
end
print(x, _G.x)
local function f()
  local x = x .. "+f"
  return x
end
print(f(), x)
for x = 1, 2 do io.write(x, " ") end
print(x)
local y = 1
local y = y + 1
print(y)
local function g(x) x = x * 2; return x end
print(g(21), x)
local t = {}
for i = 1, 2 do
  local i = i * 10
  t[#t + 1] = i
end
print(table.concat(t, ","))
local a, a2 = 1, 2
local a = a + a2
print(a)
