-- The feasible line: the last rank before any skill's running demand exceeds its supply.
local function feasible_line(ranked, supply)
  local demand = {}
  for rank, est in ipairs(ranked) do
    local skills = {}
    for s in pairs(est) do skills[#skills + 1] = s end
    table.sort(skills)
    for _, s in ipairs(skills) do
      demand[s] = (demand[s] or 0) + est[s]
      if demand[s] > (supply[s] or 0) then
        return rank - 1, s, demand[s] - (supply[s] or 0)
      end
    end
  end
  return #ranked
end
local supply = {Native = 10, Web = 8}
print(feasible_line({{Native = 3}, {Web = 4}, {Native = 6}, {Native = 2}}, supply))
print(feasible_line({{Native = 3}, {Web = 4}}, supply))
print(feasible_line({{Native = 11}}, supply))
print(feasible_line({{Web = 8}, {Web = 0}, {Web = 0.5}}, supply))
print(feasible_line({{Apps = 1}}, supply))
print(feasible_line({}, supply))
print(feasible_line({{Native = 2.5}, {Native = 2.5}, {Native = 2.5}, {Native = 2.5}, {Native = 0.1}}, supply))
