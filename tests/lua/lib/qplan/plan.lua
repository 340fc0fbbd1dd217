-- A plan: ranked item ids, a cutline, weeks, and the demand/supply computations.
local Plan = {}
Plan.__index = Plan

function Plan.new(name, weeks, cutline)
  return setmetatable({name = name, num_weeks = weeks, cutline = cutline or 0, ranks = {}, items = {}}, Plan)
end

function Plan:add(item)
  self.items[item.id] = item
  self.ranks[#self.ranks + 1] = item.id
  return self
end

function Plan:rank_of(id)
  for i, v in ipairs(self.ranks) do if v == id then return i end end
  return nil
end

function Plan:move_to(id, rank)
  local from = assert(self:rank_of(id), "no such item")
  rank = math.max(1, math.min(rank, #self.ranks))
  table.remove(self.ranks, from)
  table.insert(self.ranks, rank, id)
  return rank
end

function Plan:move_up(id, by) return self:move_to(id, self:rank_of(id) - (by or 1)) end
function Plan:move_down(id, by) return self:move_to(id, self:rank_of(id) + (by or 1)) end

-- Supply per skill from people: fraction x weeks.
function Plan:supply(people)
  local supply = {}
  for _, person in ipairs(people) do
    for skill, fraction in pairs(person.skills) do
      supply[skill] = (supply[skill] or 0) + fraction * self.num_weeks
    end
  end
  return supply
end

-- Walks the ranking; returns rows {rank, id, demand = {...}} and the feasible line.
function Plan:running(supply)
  local demand, rows, feasible = {}, {}, nil
  for rank, id in ipairs(self.ranks) do
    local item = self.items[id]
    local short = {}
    for _, skill in ipairs(item.skills) do
      demand[skill] = (demand[skill] or 0) + item.weeks[skill]
      if demand[skill] > (supply[skill] or 0) then short[#short + 1] = skill end
    end
    local snapshot = {}
    for k, v in pairs(demand) do snapshot[k] = v end
    rows[#rows + 1] = {rank = rank, id = id, demand = snapshot, short = short}
    if #short > 0 and not feasible then feasible = rank - 1 end
  end
  return rows, feasible or #self.ranks
end

return Plan
