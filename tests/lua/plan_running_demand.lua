-- Running demand: cumulative weeks per skill walking the ranked list; net = supply - demand.
local supply = {Native = 19.5, Web = 26, Apps = 19.5, QA = 16}
local items = {
  {id = 3, est = {Native = 13}},
  {id = 1, est = {Native = 6, Web = 2}},
  {id = 6, est = {Web = 3, QA = 2}},
  {id = 5, est = {Native = 2, Apps = 4}},
  {id = 2, est = {Web = 6, Apps = 1}},
  {id = 10, est = {Native = 2, QA = 2}},
}
local SKILLS = {"Native", "Web", "Apps", "QA"}
local demand = {}
for _, s in ipairs(SKILLS) do demand[s] = 0 end
print(string.format("%-4s %-4s" .. string.rep(" %7s", #SKILLS), "rank", "id", table.unpack(SKILLS)))
for rank, item in ipairs(items) do
  local cells = {}
  for i, s in ipairs(SKILLS) do
    demand[s] = demand[s] + (item.est[s] or 0)
    cells[i] = string.format("%7g", supply[s] - demand[s])
  end
  print(string.format("%-4d %-4d %s", rank, item.id, table.concat(cells, " ")))
end
for _, s in ipairs(SKILLS) do
  local net = supply[s] - demand[s]
  print(s, demand[s], net, net < 0 and "SHORT" or "ok")
end
