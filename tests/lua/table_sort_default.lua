-- table.sort without a comparator: Lua's < on numbers and strings.
local function sorted(t)
  table.sort(t)
  local parts = {}
  for i = 1, #t do parts[i] = tostring(t[i]) end
  return table.concat(parts, " ")
end

print(sorted({}))
print(sorted({1}))
print(sorted({2, 1}))
print(sorted({5, 3, 9, 1, 7, 2, 8, 4, 6}))
print(sorted({3, -1, 0, -7, 12, 5}))
print(sorted({2.5, 1, 3.25, -0.5, 2, 1e10, -1e10}))
print(sorted({math.maxinteger, math.mininteger, 0, 2^63, -1e19, 1.5, -2^53}))
print(sorted({"pear", "apple", "fig", "banana", "Apple", "apple2", ""}))
print(sorted({"b", "a\0b", "a", "a\0a", "ab"}):gsub("%z", "0"))
print(sorted({"10", "9", "100", "1"}))
print(sorted({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
print(sorted({10, 9, 8, 7, 6, 5, 4, 3, 2, 1}))
print(sorted({3, 3, 1, 1, 2, 2, 3, 1}))

-- Larger inputs: sorted order checked element by element.
local seed = 12345
local function random(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local t = {}
for i = 1, 5000 do t[i] = random(1000) - 500 end
table.sort(t)
local ok = true
for i = 2, #t do
  if t[i] < t[i - 1] then ok = false end
end
print(#t, ok, t[1], t[#t])

local words = {}
for i = 1, 2000 do words[i] = "w" .. random(100000) end
table.sort(words)
ok = true
for i = 2, #words do
  if words[i] < words[i - 1] then ok = false end
end
print(#words, ok, words[1], words[#words])

-- The comparator argument may be nil.
local u = {3, 1, 2}
table.sort(u, nil)
print(u[1], u[2], u[3])
