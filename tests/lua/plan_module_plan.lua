-- The Plan class from lib/qplan: load the files, rank, supply, running demand, feasible line.
package.path = "./?.lua;./?/init.lua"
local qplan = require("lib.qplan")
local work = assert(qplan.tsv.read("data/qplan_work.tsv"))
local people = assert(qplan.tsv.read("data/qplan_people.tsv"))
local plan_row = assert(qplan.tsv.read("data/qplan_plan.tsv"))[1]
local plan = qplan.Plan.new(plan_row.Name, tonumber(plan_row.NumWeeks), tonumber(plan_row.Cutline))
local items = {}
for _, row in ipairs(work) do items[row.ID] = qplan.Item.from_row(row) end
for id in plan_row.WorkItems:gmatch("[^,]+") do plan:add(items[id]) end
local staff = {}
for _, row in ipairs(people) do
  local skills = {}
  for s, f in row.Skills:gmatch("(%a+):([%d.]+)") do skills[s] = tonumber(f) end
  staff[#staff + 1] = {name = row.Name, skills = skills}
end
local supply = plan:supply(staff)
local skills = {}
for s in pairs(supply) do skills[#skills + 1] = s end
table.sort(skills)
for _, s in ipairs(skills) do io.write(s, "=", supply[s], " ") end
print()
local rows, feasible = plan:running(supply)
for _, r in ipairs(rows) do
  local item = plan.items[r.id]
  print(string.format("%2d %-16s %-10s %s%s", r.rank, item.name, item:track(),
    #r.short > 0 and ("short: " .. table.concat(r.short, ",")) or "ok",
    #item.errors > 0 and ("  [" .. item.errors[1] .. "]") or ""))
end
print("cutline", plan.cutline, "feasible", feasible)
print(plan:move_up("10", 3), plan:rank_of("10"), plan:move_down("3"), table.concat(plan.ranks, ","))
local rows2, feasible2 = plan:running(supply)
print("feasible after moves", feasible2)
