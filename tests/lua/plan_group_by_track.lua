-- Grouping work by track with demand per skill for each track (sorted output).
local work = {
  {id = 1, track = "Accounts", est = {Native = 6, Web = 2}},
  {id = 2, track = "Discovery", est = {Web = 6, Apps = 1}},
  {id = 3, track = "Platform", est = {Native = 13}},
  {id = 4, track = "Accounts", est = {Web = 1, QA = 1}},
  {id = 5, track = "Platform", est = {Native = 2, Apps = 4}},
  {id = 6, est = {QA = 2}},
  {id = 7, track = "Discovery", est = {Apps = 3}},
}
local groups, names = {}, {}
for _, item in ipairs(work) do
  local track = item.track or "(no track)"
  local g = groups[track]
  if not g then
    g = {ids = {}, demand = {}}
    groups[track] = g
    names[#names + 1] = track
  end
  g.ids[#g.ids + 1] = item.id
  for skill, weeks in pairs(item.est) do g.demand[skill] = (g.demand[skill] or 0) + weeks end
end
table.sort(names)
for _, track in ipairs(names) do
  local g = groups[track]
  local skills = {}
  for s in pairs(g.demand) do skills[#skills + 1] = s end
  table.sort(skills)
  local parts, total = {}, 0
  for _, s in ipairs(skills) do
    parts[#parts + 1] = s .. "=" .. g.demand[s]
    total = total + g.demand[s]
  end
  print(string.format("%-12s items %-6s %-24s total %3d", track, table.concat(g.ids, ","), table.concat(parts, " "), total))
end
