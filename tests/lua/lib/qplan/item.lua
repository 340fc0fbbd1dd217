-- A work item: id, name, estimates per skill in weeks, tags, merged triage.
local estimate = require("lib.qplan.estimate")
local tags = require("lib.qplan.tags")

local Item = {}
Item.__index = Item
Item.__tostring = function(self) return "Item(" .. self.id .. ", " .. self.name .. ")" end
Item.__eq = function(a, b) return a.id == b.id end

function Item.new(id, name, est_text, tag_text)
  local weeks, order, errors = estimate.parse(est_text)
  local self = setmetatable({id = id, name = name, weeks = weeks, skills = order, errors = errors,
    tags = tags.parse(tag_text)}, Item)
  self.triage = tags.triage(self.tags)
  return self
end

function Item.from_row(row)
  return Item.new(row.ID, row.Name, row.Estimate, row.Tags)
end

function Item:total()
  local sum = 0
  for _, skill in ipairs(self.skills) do sum = sum + self.weeks[skill] end
  return sum
end

function Item:track() return self.tags.track or "(none)" end

function Item:set_estimate(skill, size)
  local w, err = estimate.weeks(size)
  if not w then return nil, err end
  if not self.weeks[skill] then self.skills[#self.skills + 1] = skill end
  self.weeks[skill] = w
  return self
end

return Item
