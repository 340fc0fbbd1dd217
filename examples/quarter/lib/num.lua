-- Number helpers shared by the plan: rounding for display and JSON, and
-- the text numbers are written with in the data files.

local M = {}

-- `x` rounded to two decimals; a whole result becomes an integer, so
-- 13 weeks is `13`, not `13.0`, in views and messages. An integer is
-- whole already, and is returned as it is (`x * 100` would wrap around
-- past 2^63 / 100). A float above about 1.8e306 rounds to infinity:
-- check what users give with `finite`.
function M.round(x)
  if math.type(x) == "integer" then
    return x
  end
  local r = math.floor(x * 100 + 0.5) / 100
  return math.tointeger(r) or r
end

-- Whether `x` is a number other than infinity or NaN.
function M.finite(x)
  return type(x) == "number" and x - x == 0
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

-- A count or a rank read as `integer` reads it, with a whole number
-- beyond the integer range (`1e300`, "9223372036854775808") taken as
-- math.maxinteger (or math.mininteger below it): past any end, as the
-- number itself is, so that it is clamped or refused as out of range
-- rather than called "not a whole number".
function M.whole(value)
  local n = M.integer(value)
  if n ~= nil then
    return n
  end
  value = type(value) == "string" and tonumber(value) or value
  if M.finite(value) and value == math.floor(value) then
    return value > 0 and math.maxinteger or math.mininteger
  end
  return nil
end

return M
