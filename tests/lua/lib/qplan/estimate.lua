-- QPlan estimates: "Native:2L,Web:M" -> {Native = 6, Web = 2} in weeks.
local M = {}

M.SIZES = {S = 1, M = 2, L = 3, Q = 13}

-- Weeks for one T-shirt size with an optional integer factor ("4S", "L").
function M.weeks(size)
  local factor, letter = size:match("^%s*(%d*)(%a+)%s*$")
  if not letter or not M.SIZES[letter] then return nil, "bad size '" .. size .. "'" end
  return (factor == "" and 1 or tonumber(factor)) * M.SIZES[letter]
end

-- Parses a whole estimate; unparsable parts count as 0 and are listed in errors.
function M.parse(text)
  local result, order, errors = {}, {}, {}
  for part in (text or ""):gmatch("[^,]+") do
    local skill, size = part:match("^%s*(%a+)%s*:%s*(%w+)%s*$")
    local weeks, err
    if skill then weeks, err = M.weeks(size) else err = "bad estimate '" .. part .. "'" end
    if skill and not result[skill] then order[#order + 1] = skill end
    if weeks then
      result[skill] = (result[skill] or 0) + weeks
    else
      if skill then result[skill] = result[skill] or 0 end
      errors[#errors + 1] = err
    end
  end
  return result, order, errors
end

-- Formats weeks back to a canonical estimate string, skills in the given order.
function M.format(weeks_by_skill, order)
  local parts = {}
  for _, skill in ipairs(order) do
    local w = weeks_by_skill[skill]
    if w and w > 0 then parts[#parts + 1] = skill .. ":" .. w .. "w" end
  end
  return table.concat(parts, ",")
end

return M
