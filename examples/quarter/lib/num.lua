-- Number helpers shared by the plan: rounding for display and JSON, and
-- the text numbers are written with in the data files.

local M = {}

-- `x` rounded to two decimals; a whole result becomes an integer, so
-- 13 weeks is `13`, not `13.0`, in views and messages.
function M.round(x)
  local r = math.floor(x * 100 + 0.5) / 100
  return math.tointeger(r) or r
end

-- A skill -> number map as views send it, with only `skills` (a list):
-- rounded, in a new map.
function M.rounded(skills, map)
  local copy = {}
  for i = 1, #skills do
    local skill = skills[i]
    local value = map[skill]
    if value ~= nil then
      copy[skill] = math.type(value) == "integer" and value or M.round(value)
    end
  end
  return copy
end

-- The same, sparing the copy when every value among `skills` is an
-- integer (as T-shirt sizes give): then `map` itself. (Views run after
-- every change, and share the maps they only read.)
function M.shown(skills, map)
  for i = 1, #skills do
    local value = map[skills[i]]
    if value ~= nil and math.type(value) ~= "integer" then
      return M.rounded(skills, map)
    end
  end
  return map
end

-- Text for a data file or a message: `2`, `1.5`, `6.5`.
function M.text(x)
  x = M.round(x)
  if math.type(x) == "integer" then
    return string.format("%d", x)
  end
  return string.format("%.10g", x)
end

-- `read` (text -> value or nil) with its answers remembered per text
-- (false for none): for texts a plan repeats and reads after every
-- change. Other values go to `read` each time.
function M.remembered(read)
  local answers = {}
  return function(text)
    if type(text) ~= "string" then
      return read(text)
    end
    local answer = answers[text]
    if answer == nil then
      answer = read(text) or false
      answers[text] = answer
    end
    return answer or nil
  end
end

-- An integer from a number or a numeric string (`12`, `"12"`, `12.0`).
function M.integer(value)
  if type(value) == "string" then
    value = tonumber(value)
  end
  if type(value) ~= "number" then
    return nil
  end
  return math.tointeger(value)
end

return M
