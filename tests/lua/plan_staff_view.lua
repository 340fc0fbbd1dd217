-- Staff view: people grouped by skill with weeks per person, totals, and the net left per skill.
local WEEKS = 13
local people = {
  {"Ana", {Native = 1}}, {"Ben", {Web = 0.5, Apps = 0.5}}, {"Chen", {Web = 1}},
  {"Dana", {BB = 0.75, QA = 0.25}}, {"Eli", {Apps = 1}}, {"Fay", {Native = 0.5, Web = 0.5}},
}
local demand = {Native = 23, Web = 20.5, Apps = 7, BB = 12, QA = 4}
local by_skill = {}
for _, p in ipairs(people) do
  for skill, frac in pairs(p[2]) do
    by_skill[skill] = by_skill[skill] or {}
    table.insert(by_skill[skill], {name = p[1], weeks = frac * WEEKS})
  end
end
local skills = {}
for s in pairs(by_skill) do skills[#skills + 1] = s end
table.sort(skills)
for _, s in ipairs(skills) do
  local list, total = by_skill[s], 0
  table.sort(list, function(a, b) return a.name < b.name end)
  print(s)
  for _, entry in ipairs(list) do
    print(string.format("  %-6s %5.2f", entry.name, entry.weeks))
    total = total + entry.weeks
  end
  local net = total - (demand[s] or 0)
  print(string.format("  %-6s %5.2f  demand %5.2f  net %+6.2f%s", "total", total, demand[s] or 0, net,
    net < 0 and " (short)" or ""))
end
