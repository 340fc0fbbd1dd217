-- Supply per track and skill from data/qplan_people.tsv, using the qplan tsv reader module.
package.path = "./?.lua;./?/init.lua"
local tsv = require("lib.qplan.tsv")
local tags = require("lib.qplan.tags")
local people, header = assert(tsv.read("data/qplan_people.tsv"))
print(#people .. " people", table.concat(header, ","))
local WEEKS = 13
local by_track, tracks = {}, {}
for _, p in ipairs(people) do
  local track = tags.parse(p.Tags).track or "none"
  if not by_track[track] then by_track[track] = {}; tracks[#tracks + 1] = track end
  for skill, frac in p.Skills:gmatch("(%a+):([%d.]+)") do
    by_track[track][skill] = (by_track[track][skill] or 0) + tonumber(frac) * WEEKS
  end
end
table.sort(tracks)
for _, track in ipairs(tracks) do
  local skills = {}
  for s in pairs(by_track[track]) do skills[#skills + 1] = s end
  table.sort(skills)
  local parts = {}
  for _, s in ipairs(skills) do parts[#parts + 1] = string.format("%s %.2f", s, by_track[track][s]) end
  print(string.format("%-10s %s", track, table.concat(parts, ", ")))
end
print(tsv.read("data/tmp_no_such_people.tsv"))
