-- Work from data/qplan_work.tsv grouped by track with merged triage, via the Item class.
package.path = "./?.lua;./?/init.lua"
local qplan = require("lib.qplan")
local rows = assert(qplan.tsv.read("data/qplan_work.tsv"))
local tracks, names = {}, {}
for _, row in ipairs(rows) do
  local item = qplan.Item.from_row(row)
  local t = item:track()
  if not tracks[t] then tracks[t] = {}; names[#names + 1] = t end
  table.insert(tracks[t], item)
end
table.sort(names)
for _, t in ipairs(names) do
  local list = tracks[t]
  table.sort(list, function(a, b)
    local ta, tb = a.triage or 99, b.triage or 99
    if ta ~= tb then return ta < tb end
    return tonumber(a.id) < tonumber(b.id)
  end)
  local total = 0
  print(t)
  for _, item in ipairs(list) do
    total = total + item:total()
    print(string.format("  %-3s %-16s triage %-4s %3d weeks%s", item.id, item.name, tostring(item.triage),
      item:total(), #item.errors > 0 and " (estimate problem)" or ""))
  end
  print(string.format("  %-20s %19d weeks", "total", total))
end
