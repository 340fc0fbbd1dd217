-- Slips of the keyboard in names the plan reads (skills, tag keys): a
-- name typed one letter off ("Nativ", "Track") would be stored as a new
-- name that nothing reads, and the plan would change without a word.
-- `near` finds the known name a new one is likely a slip for.

local M = {}

-- The characters of `text`, lowered: code points for UTF-8, else bytes.
local function chars(text)
  local list = {}
  text = text:lower()
  if utf8.len(text) then
    for _, code in utf8.codes(text) do
      list[#list + 1] = code
    end
  else
    for i = 1, #text do
      list[i] = text:byte(i)
    end
  end
  return list
end

-- The number of edits from `a` to `b`, ignoring case: a letter added,
-- dropped or changed, or two neighbours swapped ("Ntaive"), each one.
-- (Rows are 1-based, filled in order: piccolo tables with integer keys
-- out of order can fail to grow; docs/LUA.md.)
function M.distance(a, b)
  a, b = chars(a), chars(b)
  local rows = {}
  for i = 1, #a + 1 do
    local row = {}
    for j = 1, #b + 1 do
      local cost
      if i == 1 or j == 1 then
        cost = i + j - 2
      else
        local same = a[i - 1] == b[j - 1] and 0 or 1
        cost = math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + same)
        if i > 2 and j > 2 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] then
          cost = math.min(cost, rows[i - 2][j - 2] + 1)
        end
      end
      row[j] = cost
    end
    rows[i] = row
  end
  return rows[#a + 1][#b + 1]
end

-- The name of `known` (a list) that `name` is likely a slip for: one that
-- differs only in case, or by at most `limit(known_name)` edits (default
-- 0: case only); the closest, the first of equals. nil if none is near,
-- or if `name` is itself known.
function M.near(name, known, limit)
  local lower, best, best_distance = name:lower(), nil, nil
  for _, candidate in ipairs(known) do
    if candidate == name then
      return nil
    end
    local distance = lower == candidate:lower() and 0 or M.distance(name, candidate)
    if distance <= (limit and limit(candidate) or 0)
      and (best_distance == nil or distance < best_distance) then
      best, best_distance = candidate, distance
    end
  end
  return best
end

-- The slips allowed for a skill's name: skills have short names, and
-- every two-letter name is two edits from every other (QA, UX, ML are
-- different skills), so there only a difference of case is a slip; up
-- to five letters one edit is ("Webb", "Aps"), from six two ("Sevrer").
function M.skill_slips(known)
  local length = utf8.len(known) or #known
  if length <= 2 then
    return 0
  elseif length < 6 then
    return 1
  end
  return 2
end

return M
