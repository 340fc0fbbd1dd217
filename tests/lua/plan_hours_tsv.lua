-- Aggregating data/hours.tsv: hours per team and per week, averages with string.format.
local totals, weeks, teams = {}, {}, {}
local first = true
for line in io.lines("data/hours.tsv") do
  if first then first = false else
    local team, week, hours = line:match("^(%S+)\t(%d+)\t([%d.]+)$")
    week, hours = tonumber(week), tonumber(hours)
    if not totals[team] then totals[team] = {sum = 0, n = 0}; teams[#teams + 1] = team end
    totals[team].sum = totals[team].sum + hours
    totals[team].n = totals[team].n + 1
    weeks[week] = (weeks[week] or 0) + hours
  end
end
table.sort(teams)
for _, t in ipairs(teams) do
  local v = totals[t]
  print(string.format("%-8s total %6.2f  avg %5.2f  %s", t, v.sum, v.sum / v.n, math.type(v.sum)))
end
for w = 1, #weeks do print("week " .. w, weeks[w]) end
