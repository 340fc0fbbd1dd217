-- Counting work and weeks per merged triage level from data/qplan_work.tsv.
package.path = "./?.lua;./?/init.lua"
local qplan = require("lib.qplan")
local rows = assert(qplan.tsv.read("data/qplan_work.tsv"))
local levels, order = {}, {}
for _, row in ipairs(rows) do
  local item = qplan.Item.from_row(row)
  local key = item.triage and string.format("%g", item.triage) or "untriaged"
  if not levels[key] then levels[key] = {count = 0, weeks = 0, ids = {}}; order[#order + 1] = key end
  local l = levels[key]
  l.count = l.count + 1
  l.weeks = l.weeks + item:total()
  l.ids[#l.ids + 1] = item.id
end
table.sort(order, function(a, b)
  local na, nb = tonumber(a), tonumber(b)
  if na and nb then return na < nb end
  if na or nb then return na ~= nil end
  return a < b
end)
for _, key in ipairs(order) do
  local l = levels[key]
  print(string.format("%-10s %2d items %3d weeks  ids %s", key, l.count, l.weeks, table.concat(l.ids, ",")))
end
