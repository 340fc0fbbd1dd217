-- table.sort with a Lua comparator.
local function show(t)
  local parts = {}
  for i = 1, #t do parts[i] = tostring(t[i]) end
  print(table.concat(parts, " "))
end

local t = {5, 2, 8, 1, 9, 3}
table.sort(t, function(a, b) return a > b end)
show(t)
table.sort(t, function(a, b) return a < b end)
show(t)

-- By string length, then alphabetically.
local words = {"kiwi", "fig", "banana", "apple", "plum", "cherry", "date"}
table.sort(words, function(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end)
show(words)

-- The comparator's first result decides; other truthy values count.
local u = {3, 1, 2}
table.sort(u, function(a, b) if a < b then return 1, "ignored" end end)
show(u)
table.sort(u, function(a, b) return a > b and "yes" or nil end)
show(u)

-- By absolute value, ties broken by sign.
local v = {-3, 2, -1, 3, 1, -2, 0}
table.sort(v, function(a, b)
  if math.abs(a) ~= math.abs(b) then return math.abs(a) < math.abs(b) end
  return a < b
end)
show(v)

-- Comparator counts are bounded: sorting 1000 items needs far fewer than 1000^2 calls.
local big = {}
local seed = 99
for i = 1, 1000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  big[i] = seed % 10007
end
local calls = 0
table.sort(big, function(a, b)
  calls = calls + 1
  return a < b
end)
local ok = true
for i = 2, #big do
  if big[i] < big[i - 1] then ok = false end
end
print(ok, calls < 20000)

-- Callable comparators: a closure over its own state.
local function by(field)
  return function(a, b) return a[field] < b[field] end
end
local people = {{name = "Ann", age = 31}, {name = "Bob", age = 25}, {name = "Cy", age = 40}}
table.sort(people, by("age"))
print(people[1].name, people[2].name, people[3].name)
table.sort(people, by("name"))
print(people[1].name, people[2].name, people[3].name)

-- A comparator may sort another table while it runs.
local outer = {3, 1, 2}
table.sort(outer, function(a, b)
  local inner = {b, a}
  table.sort(inner)
  return a < b
end)
show(outer)
