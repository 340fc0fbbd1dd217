-- Moving the cutline to the feasible line, and finding what extra staff would let the cutline stay.
local NUM_WEEKS = 13
local supply = {Native = 19.5, Web = 13, QA = 6.5}
local ranked = {
  {"Sync", {Native = 13}}, {"Login", {Native = 6, Web = 2}}, {"Billing", {Web = 3, QA = 2}},
  {"Offline", {Native = 2}}, {"Search", {Web = 6}}, {"Crash", {Native = 2, QA = 2}}, {"Settings", {Web = 1, QA = 1}},
}
local SKILLS = {"Native", "Web", "QA"}
local function demand_to(rank)
  local d = {}
  for i = 1, rank do
    for _, s in ipairs(SKILLS) do d[s] = (d[s] or 0) + (ranked[i][2][s] or 0) end
  end
  return d
end
local function feasible()
  for rank = 1, #ranked do
    local d = demand_to(rank)
    for _, s in ipairs(SKILLS) do if d[s] > supply[s] then return rank - 1 end end
  end
  return #ranked
end
local cutline = 6
local f = feasible()
print("cutline", cutline, "feasible", f)
local need = demand_to(cutline)
for _, s in ipairs(SKILLS) do
  local gap = need[s] - supply[s]
  if gap > 0 then
    print(string.format("%-6s needs %.2f more weeks = %.2f people", s, gap, gap / NUM_WEEKS))
  end
end
print("moving cutline to " .. f)
cutline = f
for i, item in ipairs(ranked) do print(i, item[1], i <= cutline and "in" or "out") end
supply.Native = supply.Native + 0.5 * NUM_WEEKS
print("with half a Native engineer more, feasible", feasible())
