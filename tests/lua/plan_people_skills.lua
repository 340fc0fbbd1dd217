-- People skill distributions: fractions summing to about 1, supply per skill for a 13-week plan.
local people = {
  {name = "Ana", skills = "Native:1"},
  {name = "Ben", skills = "Web:0.5,Apps:0.5"},
  {name = "Chen", skills = "Web:1"},
  {name = "Dana", skills = "BB:0.75,QA:0.25"},
  {name = "Eli", skills = "Apps:0.3,Web:0.3,QA:0.3"},
}
local WEEKS = 13
local supply, skills = {}, {}
for _, p in ipairs(people) do
  local sum = 0
  for skill, frac in p.skills:gmatch("(%a+):([%d.]+)") do
    frac = tonumber(frac)
    sum = sum + frac
    if not supply[skill] then supply[skill] = 0; skills[#skills + 1] = skill end
    supply[skill] = supply[skill] + frac * WEEKS
  end
  local warn = math.abs(sum - 1) > 0.05 and "  (sums to " .. sum .. ")" or ""
  print(string.format("%-5s %s%s", p.name, p.skills, warn))
end
table.sort(skills)
for _, s in ipairs(skills) do
  print(string.format("%-7s %6.2f weeks  %4.2f people", s, supply[s], supply[s] / WEEKS))
end
local total = 0
for _, s in ipairs(skills) do total = total + supply[s] end
print("total", total, string.format("%.1f", total))
