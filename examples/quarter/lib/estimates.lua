-- Estimates in T-shirt sizes: S = 1 week, M = 2, L = 3, Q = 13 (a
-- quarter), with an optional integer factor before the size (`4S` is 4
-- weeks, `2L` is 6). An estimate that cannot be parsed counts as 0 weeks
-- and is reported.

local kvlist = require("lib.kvlist")
local tsv = require("lib.tsv")

local M = {}

M.SIZES = { S = 1, M = 2, L = 3, Q = 13 }

M.HELP = "use S, M, L or Q with an optional factor, e.g. M or 2L"
M.SKILL_HELP = "a skill is a letter, then letters, digits or _"

-- Weeks for a size such as "L" or "2L"; nil if it is not one.
function M.weeks(size)
  if type(size) ~= "string" then
    return nil
  end
  local factor, letter = size:match("^(%d*)([SMLQ])$")
  if not letter then
    return nil
  end
  if factor == "" then
    return M.SIZES[letter]
  end
  local n = math.tointeger(tonumber(factor))
  if n == nil or n < 1 or n > 1000 then
    return nil
  end
  return n * M.SIZES[letter]
end

-- Whether `skill` can name a skill: a letter, then letters, digits or `_`.
-- Answers are remembered: a plan names few skills, and the analysis asks
-- about every estimate each time.
local valid_skills = {}
local function valid_skill(skill)
  if type(skill) ~= "string" then
    return false
  end
  local valid = valid_skills[skill]
  if valid == nil then
    valid = skill:match("^%a[%w_]*$") ~= nil
    valid_skills[skill] = valid
  end
  return valid
end
M.valid_skill = valid_skill

-- Parses an estimate list (`Native:L,Web:M,Apps:2S`). Each entry gets
-- `weeks` (0 when unparsable) and `bad` (a reason) when unparsable.
function M.parse(text)
  local entries = kvlist.parse(text)
  for _, entry in ipairs(entries) do
    M.check(entry)
  end
  return entries
end

function M.check(entry)
  entry.bad = nil
  if entry.value == nil or not M.valid_skill(entry.key) then
    entry.weeks = 0
    entry.bad = "expected SKILL:SIZE"
  else
    entry.weeks = M.weeks(entry.value)
    if entry.weeks == nil then
      entry.weeks = 0
      entry.bad = "unknown size '" .. tsv.escaped(entry.value) .. "'"
    end
  end
  return entry
end

-- Weeks per skill (entries of one skill add up; unparsable ones count 0).
-- With `present` (a set), each skill is also marked there; the second
-- result says whether every entry's weeks is an integer, the third
-- whether any entry could not be parsed. The weeks table is shared: read
-- it, do not change it.
-- (The analysis asks for every item after every change, and the feasible
-- line for every item above it, while estimates change rarely: the answer
-- is remembered in the list's memo, which `set` forgets.)
local math_type = math.type
local function count(entries)
  local weeks, integral, unparsed = {}, true, false
  for i = 1, #entries do
    local entry = entries[i]
    if entry == nil then
      break -- where ipairs would stop
    end
    local key = entry.key
    if valid_skill(key) then
      local more = entry.weeks
      weeks[key] = (weeks[key] or 0) + more
      if integral and math_type(more) ~= "integer" then
        integral = false
      end
    end
    if entry.bad then
      unparsed = true
    end
  end
  return { weeks = weeks, integral = integral, unparsed = unparsed }
end

local memo_of = kvlist.memo
function M.totals(entries, present)
  local memo = entries.memo
  local counted = memo and memo.totals
  if counted == nil then
    counted = count(entries)
    memo_of(entries).totals = counted
  end
  local weeks = counted.weeks
  if present then
    for skill in next, weeks do -- (`next` directly: nothing changes `weeks`)
      present[skill] = true
    end
  end
  return weeks, counted.integral, counted.unparsed
end

-- The unparsable entries: { {text = "Web:XL", reason = "..."}, ... }.
function M.problems(entries)
  local found = {}
  for _, entry in ipairs(entries) do
    if entry.bad then
      found[#found + 1] = { text = entry.raw or kvlist.format({ entry }), reason = entry.bad }
    end
  end
  return found
end

-- The error message for `size`, which is not one, for `skill` (of
-- `whose`, an item's label, if given), with a hint: 'M' for 'm'.
function M.bad_size(size, skill, whose)
  local text = "bad size '" .. tsv.escaped(size) .. "' for " .. skill
    .. (whose and " in " .. whose or "")
  local upper = type(size) == "string" and size:upper()
  if upper and upper ~= size and M.weeks(upper) then
    return text .. " (did you mean '" .. upper .. "'?)"
  end
  return text .. ": " .. M.HELP
end

-- Sets one skill's size (a valid size, or nil/""/"-" to remove the
-- estimate). The plan's `estimate` is stricter: only "-" removes there.
function M.set(entries, skill, size)
  if not M.valid_skill(skill) then
    error("bad skill '" .. tsv.escaped(skill) .. "'", 0)
  end
  if size == nil or size == "" or size == "-" then
    kvlist.set(entries, skill, nil)
    return entries
  end
  if M.weeks(size) == nil then
    error(M.bad_size(size, skill), 0)
  end
  kvlist.set(entries, skill, size)
  for _, entry in ipairs(entries) do
    M.check(entry)
  end
  return entries
end

function M.format(entries)
  return kvlist.format(entries)
end

return M
