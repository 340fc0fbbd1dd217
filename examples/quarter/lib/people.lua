-- People (staff): a skill distribution (fractions that sum to about 1)
-- and tags such as the track a person is assigned to. Read from and
-- written to people.tsv (`ID  Name  Skills  Tags`). A person's bandwidth
-- is fraction x the plan's weeks; the team's supply is the sum.

local tsv = require("lib.tsv")
local kvlist = require("lib.kvlist")
local estimates = require("lib.estimates")
local work = require("lib.work")
local num = require("lib.num")

local M = {}

M.COLUMNS = { "ID", "Name", "Skills", "Tags" }

-- How far a person's fractions may be from 1 before it is reported.
M.TOLERANCE = 0.05

local function fraction(text)
  local value = tonumber(text or "")
  if value and value >= 0 and value <= 1 then
    return value
  end
  return nil
end

function M.new(id, name, skills_text, tags_text)
  return { id = id, name = name, skills = kvlist.parse(skills_text or ""),
    tags = kvlist.parse(tags_text or "") }
end

-- Fraction per skill (unusable entries count 0).
function M.fractions(person)
  local result = {}
  for _, entry in ipairs(person.skills) do
    if estimates.valid_skill(entry.key) then
      result[entry.key] = (result[entry.key] or 0) + (fraction(entry.value) or 0)
    end
  end
  return result
end

function M.track(person)
  local track = kvlist.get(person.tags, "track")
  if track == "" then
    return nil
  end
  return track
end

-- The sum of a person's usable fractions.
function M.total(person)
  local total = 0
  for _, entry in ipairs(person.skills) do
    if estimates.valid_skill(entry.key) then
      total = total + (fraction(entry.value) or 0)
    end
  end
  return total
end

-- What is wrong with a person's fractions as a whole: they do not sum to
-- about 1 (nil if they do).
function M.sum_problem(person)
  local total = M.total(person)
  if math.abs(total - 1) > M.TOLERANCE then
    return "skills add up to " .. num.text(total) .. ", not 1"
  end
  return nil
end

-- What is wrong with a person's data but the sum: text no command would
-- store, skills that are not SKILL:FRACTION.
function M.entry_problems(person)
  local found = work.text_problems(person, {})
  for _, entry in ipairs(person.skills) do
    if not estimates.valid_skill(entry.key) or fraction(entry.value) == nil then
      found[#found + 1] = "skill '" .. kvlist.format({ entry }) .. "' is not SKILL:FRACTION"
    end
  end
  return found
end

-- Everything wrong with a person's data: `entry_problems`, then
-- fractions that do not sum to 1 (last, as `assign` shows it).
function M.problems(person)
  local found = M.entry_problems(person)
  found[#found + 1] = M.sum_problem(person)
  return found
end

-- A fraction's text read as `fraction` does; answers are remembered per
-- text: supply is asked for after every change, and people share a
-- handful of fractions.
local fraction_of = num.remembered(fraction)

-- Whether two usable entries of `entries` name the same skill.
local function repeats_a_skill(entries)
  for i = 2, #entries do
    local entry = entries[i]
    if entry == nil then
      return false -- where ipairs would stop
    end
    local key = entry.key
    for j = 1, i - 1 do
      if entries[j].key == key then
        return true
      end
    end
  end
  return false
end

local valid_skill, memo_of = estimates.valid_skill, kvlist.memo

-- Supply worked out afresh. (A person whose entries name each skill once
-- adds them as they are, which is what `fractions` would give, without a
-- table per person.)
local function sum(people, weeks)
  -- (In floats: a fraction of 1 is an integer, and integer weeks past
  -- 2^63 / team size would wrap around to a negative supply.)
  weeks = weeks + 0.0
  local supply, list = {}, people.list
  for p = 1, #list do
    local person = list[p]
    if person == nil then
      break -- where ipairs would stop
    end
    local entries = person.skills
    if repeats_a_skill(entries) then
      for skill, share in next, M.fractions(person) do -- (`next`: nothing changes it)
        supply[skill] = (supply[skill] or 0) + share * weeks
      end
    else
      for i = 1, #entries do
        local entry = entries[i]
        if entry == nil then
          break -- where ipairs would stop
        end
        local key = entry.key
        if valid_skill(key) then
          supply[key] = (supply[key] or 0) + (fraction_of(entry.value) or 0) * weeks
        end
      end
    end
  end
  for skill, total in pairs(supply) do
    supply[skill] = num.round(total)
  end
  return supply
end

local function still_valid(kept, weeks, list)
  if kept == nil or kept.weeks ~= weeks or kept.count ~= #list then
    return false
  end
  local persons, memos = kept.persons, kept.memos
  for p = 1, kept.count do
    local person = list[p]
    if person ~= persons[p] or person.skills.memo ~= memos[p] then
      return false
    end
  end
  return true
end

-- Supply in weeks per skill: sum over people of fraction x weeks,
-- rounded to two decimals. The table is shared: read it, do not change it.
-- (Every change asks twice, for the feasible line a command prints and
-- for the analysis, and the team changes rarely: the answer is kept on
-- `people` with the weeks, each person and each skills list's memo it
-- came from, and worked out again when any of them differs: a person
-- added, removed or replaced, a skills list set (`kvlist.set` forgets its
-- memo) or replaced.)
function M.supply(people, weeks)
  local list, kept = people.list, people.kept_supply
  if still_valid(kept, weeks, list) then
    return kept.supply
  end
  local persons, memos, count = {}, {}, #list
  for p = 1, count do
    local person = list[p]
    if person == nil then
      count = p - 1
      break -- where ipairs would stop
    end
    persons[p], memos[p] = person, memo_of(person.skills)
  end
  local supply = sum(people, weeks)
  people.kept_supply = { weeks = weeks, count = count, persons = persons, memos = memos,
    supply = supply }
  return supply
end

-- Sets a person's fraction of one skill (nil or 0 removes it). `whose`
-- (the person's label) is named in the error for a bad fraction.
function M.set_skill(person, skill, share, whose)
  if not estimates.valid_skill(skill) then
    error("bad skill '" .. tsv.escaped(skill) .. "'", 0)
  end
  local value = type(share) == "number" and share
    or type(share) == "string" and tonumber(share) or nil
  -- (NaN is neither below 0 nor above 1: it is refused by name.)
  if share ~= nil and (value == nil or value ~= value or value < 0 or value > 1) then
    error("bad fraction '" .. tsv.escaped(share) .. "' for " .. skill
      .. (whose and " of " .. whose or "") .. " (0 to 1)", 0)
  end
  if value == nil or value == 0 then
    kvlist.set(person.skills, skill, nil)
  else
    -- As given (to ten digits): `num.text` rounds to two decimals.
    local text = math.type(value) == "integer" and string.format("%d", value)
      or string.format("%.10g", value)
    kvlist.set(person.skills, skill, text)
  end
end

function M.parse(text, name)
  local doc = tsv.parse(text, name, M.COLUMNS)
  local people = { list = {}, by_id = {}, columns = doc.columns, separator = doc.separator,
    name = name }
  for i, row in ipairs(doc.rows) do
    local where = name .. ":" .. doc.lines[i]
    local id = num.integer(row.ID)
    if not id or id < 1 then
      error(where .. ": bad ID '" .. tsv.escaped(row.ID) .. "' (a positive whole number)", 0)
    end
    if people.by_id[id] then
      error(where .. ": person " .. id .. " appears twice", 0)
    end
    if (row.Name or "") == "" then
      error(where .. ": person " .. id .. " has no name", 0)
    end
    local person = M.new(id, row.Name, row.Skills, row.Tags)
    person.row = row
    people.list[#people.list + 1] = person
    people.by_id[id] = person
  end
  return people
end

function M.format(people)
  local rows = {}
  for i, person in ipairs(people.list) do
    local row = {}
    for column, value in pairs(person.row or {}) do
      row[column] = value
    end
    row.ID = string.format("%d", person.id)
    row.Name = person.name
    row.Skills = kvlist.format(person.skills)
    row.Tags = kvlist.format(person.tags)
    rows[i] = row
  end
  return tsv.format(people.columns or M.COLUMNS, rows, people.separator, people.name)
end

-- One more than the highest id, counting people who left since the plan
-- was loaded (`removed_top`): their id on a new person would make a
-- command typed with it name someone else.
function M.next_id(people)
  local top = people.removed_top or 0
  for _, person in ipairs(people.list) do
    top = math.max(top, person.id)
  end
  return top + 1
end

return M
