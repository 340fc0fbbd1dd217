-- Sorting thousands of values: checked by order and checksums (equal keys
-- may come out in any order, so only keys are compared).
local seed = 31337
local function random(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local function check(t, less)
  for i = 2, #t do
    if less(t[i], t[i - 1]) then return false end
  end
  return true
end

local function checksum(t, key)
  local sum = 0
  for i = 1, #t do sum = (sum * 31 + key(t[i])) % 1000000007 end
  return sum
end

local lt = function(a, b) return a < b end
local gt = function(a, b) return a > b end
local id = function(x) return x end

local numbers = {}
for i = 1, 10000 do numbers[i] = random(1000000) end
local copy = table.move(numbers, 1, #numbers, 1, {})
table.sort(numbers)
table.sort(copy, lt)
print(#numbers, check(numbers, lt), checksum(numbers, id) == checksum(copy, id), checksum(numbers, id))
table.sort(copy, gt)
print(check(copy, gt), copy[1], copy[#copy])
-- Already sorted and reversed input.
table.sort(copy, gt)
print(check(copy, gt))
table.sort(copy)
print(check(copy, lt), checksum(copy, id))

-- Many duplicates.
local dups = {}
for i = 1, 10000 do dups[i] = random(7) end
table.sort(dups, gt)
local counts = {}
for _, v in ipairs(dups) do counts[v] = (counts[v] or 0) + 1 end
print(check(dups, gt), dups[1], dups[#dups], counts[0] + counts[3] + counts[6])

-- Floats and integers together.
local mixed = {}
for i = 1, 2000 do
  mixed[i] = (i % 2 == 0) and random(1000) or random(1000) + 0.5
end
table.sort(mixed)
print(check(mixed, lt), mixed[1] <= mixed[2], math.type(mixed[1]) ~= nil)

-- Records by two keys.
local records = {}
for i = 1, 10000 do
  records[i] = {triage = random(5), name = "item" .. random(100000), id = i}
end
local function by_rank(a, b)
  if a.triage ~= b.triage then return a.triage < b.triage end
  return a.name < b.name
end
table.sort(records, by_rank)
print(check(records, by_rank), records[1].triage, records[#records].triage,
  checksum(records, function(r) return r.triage * 7 + #r.name end))

-- Strings.
local words = {}
for i = 1, 5000 do words[i] = string.format("%x", random(1 << 30)) end
table.sort(words)
print(check(words, lt), #words)
