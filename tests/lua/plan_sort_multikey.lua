-- Sorting work by triage, then track, then rank: a comparator with a total order (deterministic).
local work = {
  {rank = 1, name = "Sync", track = "Platform", triage = 1},
  {rank = 2, name = "Login", track = "Accounts", triage = 1},
  {rank = 3, name = "Billing", track = "Accounts", triage = 1},
  {rank = 4, name = "Offline", track = "Platform", triage = 1.5},
  {rank = 5, name = "Search", track = "Discovery", triage = 1.5},
  {rank = 6, name = "Recs", track = "Discovery"},
  {rank = 7, name = "Settings", track = "Accounts", triage = 2},
  {rank = 8, name = "Audit", track = "Platform", triage = 2},
}
local function by_triage_track_rank(a, b)
  local ta, tb = a.triage or math.huge, b.triage or math.huge
  if ta ~= tb then return ta < tb end
  if a.track ~= b.track then return a.track < b.track end
  return a.rank < b.rank
end
table.sort(work, by_triage_track_rank)
for _, w in ipairs(work) do
  print(string.format("%-4s %-10s %-9s %d", tostring(w.triage or "-"), w.track, w.name, w.rank))
end
table.sort(work, function(a, b) return a.name:lower() < b.name:lower() end)
local names = {}
for i, w in ipairs(work) do names[i] = w.name end
print(table.concat(names, " "))
table.sort(work, function(a, b) return a.rank > b.rank end)
print(work[1].name, work[#work].name)
