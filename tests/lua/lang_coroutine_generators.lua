-- Generators with coroutine.wrap: permutations, a tree walk, a producer/consumer pipeline.
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local function permutations(a)
  return coroutine.wrap(function() permgen(a) end)
end
for p in permutations({"a", "b", "c"}) do io.write(table.concat(p), " ") end
print()

local tree = {value = 5, left = {value = 3, left = {value = 1}, right = {value = 4}}, right = {value = 8, right = {value = 9}}}
local function walk(node)
  if not node then return end
  walk(node.left)
  coroutine.yield(node.value)
  walk(node.right)
end
local values = {}
for v in coroutine.wrap(function() walk(tree) end) do values[#values + 1] = v end
print(table.concat(values, " "))

local function producer(lines)
  return coroutine.wrap(function()
    for _, l in ipairs(lines) do coroutine.yield(l) end
  end)
end
local function filter(source, pred)
  return coroutine.wrap(function()
    for v in source do if pred(v) then coroutine.yield(v) end end
  end)
end
local function map(source, f)
  return coroutine.wrap(function()
    for v in source do coroutine.yield(f(v)) end
  end)
end
local pipeline = map(filter(producer({"a", "", "bb", "", "ccc"}), function(s) return s ~= "" end), string.upper)
for v in pipeline do io.write(v, ";") end
print()

local fib = coroutine.wrap(function()
  local a, b = 0, 1
  while true do coroutine.yield(a); a, b = b, a + b end
end)
local fibs = {}
for i = 1, 15 do fibs[i] = fib() end
print(table.concat(fibs, ","))
