-- Reading QPlan's three text files (work, people, plan) with io.lines and checking the separator.
local function read(path)
  local header, rows, n = nil, {}, 0
  for line in io.lines(path) do
    n = n + 1
    local fields = {}
    for v in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = v end
    if n == 1 then header = fields
    elseif n == 2 then assert(line == "-----", "bad separator")
    else
      local row = {}
      for i, name in ipairs(header) do row[name] = fields[i] end
      rows[#rows + 1] = row
    end
  end
  return rows, header
end
local work, wh = read("data/qplan_work.tsv")
local people, ph = read("data/qplan_people.tsv")
local plans, plh = read("data/qplan_plan.tsv")
print(#work, table.concat(wh, ","))
print(#people, table.concat(ph, ","))
print(#plans, table.concat(plh, ","))
local plan = plans[1]
print(plan.Name, tonumber(plan.NumWeeks), tonumber(plan.Cutline))
local by_id = {}
for _, w in ipairs(work) do by_id[w.ID] = w end
local rank = 0
for id in plan.WorkItems:gmatch("[^,]+") do
  rank = rank + 1
  local w = by_id[id]
  print(string.format("%2d %3s %-16s %s", rank, id, w.Name, w.Estimate))
end
local skills = {}
for _, p in ipairs(people) do
  for s in p.Skills:gmatch("(%a+):") do skills[s] = (skills[s] or 0) + 1 end
end
local names = {}
for s in pairs(skills) do names[#names + 1] = s end
table.sort(names)
for _, s in ipairs(names) do io.write(s, "=", skills[s], " ") end
print()
