-- Plan ranking: work items by triage, then by name, with a comparator.
local items = {
  {name = "update deps", triage = 3},
  {name = "fix crash on start", triage = 1},
  {name = "write changelog", triage = 2},
  {name = "audit logging", triage = 1},
  {name = "rename config keys", triage = 3},
  {name = "add retries", triage = 2},
  {name = "benchmark parser", triage = 2},
  {name = "close stale issues", triage = 4},
}

local function by_rank(a, b)
  if a.triage ~= b.triage then
    return a.triage < b.triage
  end
  return a.name < b.name
end

table.sort(items, by_rank)
for rank, item in ipairs(items) do
  print(rank, item.triage, item.name)
end

-- Re-ranking after triage changes.
items[8].triage = 1
items[1].triage = 5
table.sort(items, by_rank)
print("--")
for rank, item in ipairs(items) do
  print(rank, item.triage, item.name)
end

-- Top three names.
local top = {}
for i = 1, 3 do top[i] = items[i].name end
print(table.concat(top, "; "))

-- Ranking many generated items: check the order is consistent.
local seed = 2024
local function random(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end
local many = {}
for i = 1, 3000 do
  many[i] = {name = string.format("task-%05d", random(100000)) .. "-" .. i, triage = random(5) + 1}
end
table.sort(many, by_rank)
local ok = true
for i = 2, #many do
  if by_rank(many[i], many[i - 1]) then ok = false end
end
local per = {}
for _, item in ipairs(many) do per[item.triage] = (per[item.triage] or 0) + 1 end
print(#many, ok, many[1].triage, many[#many].triage, per[1] + per[2] + per[3] + per[4] + per[5])
