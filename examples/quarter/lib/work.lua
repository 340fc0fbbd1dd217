-- Work items: feature-sized pieces of work with estimates per skill and
-- tags (track, triage per group). Read from and written to work.tsv
-- (`ID  Name  Estimate  Tags`).

local tsv = require("lib.tsv")
local kvlist = require("lib.kvlist")
local estimates = require("lib.estimates")
local num = require("lib.num")

local M = {}

M.COLUMNS = { "ID", "Name", "Estimate", "Tags" }

-- The tag that overrides group triage values.
M.TRIAGE = "Triage"

-- Whether a tag key is a group's triage value (`ProdTriage`, `EngTriage`).
-- (Remembered per tag key, as `estimates.valid_skill` is.)
local group_triage = {}
local function is_group_triage(key)
  local answer = group_triage[key]
  if answer == nil then
    answer = key ~= M.TRIAGE and key:match("^%a+Triage$") ~= nil
    group_triage[key] = answer
  end
  return answer
end
M.is_group_triage = is_group_triage

-- A name as given, trimmed; an error if it is blank or holds what
-- `tsv.text_problem` refuses. `what` names what is being named in the
-- message (default a work item); a number is taken as its text.
function M.check_name(name, what)
  if type(name) == "number" then
    name = tostring(name)
  end
  if type(name) ~= "string" or tsv.trim(name) == "" then
    error((what or "a work item") .. " needs a name", 0)
  end
  local problem = tsv.text_problem(name)
  if problem then
    error("a name cannot hold " .. problem, 0)
  end
  return tsv.trim(name)
end

-- A new item (estimate and tag texts as in work.tsv).
function M.new(id, name, estimate_text, tag_text)
  return {
    id = id,
    name = name,
    estimates = estimates.parse(estimate_text or ""),
    tags = kvlist.parse(tag_text or ""),
  }
end

function M.from_row(row, where)
  local id = M.parse_id(row.ID)
  if not id then
    error(where .. ": bad ID '" .. tsv.escaped(row.ID) .. "' (a positive whole number)", 0)
  end
  if row.Name == "" then
    error(where .. ": work item " .. id .. " has no name", 0)
  end
  local item = M.new(id, row.Name, row.Estimate, row.Tags)
  item.row = row
  return item
end

function M.parse_id(text)
  local id = num.integer(text)
  if id and id >= 1 then
    return id
  end
  return nil
end

function M.to_row(item)
  local row = {}
  for column, value in pairs(item.row or {}) do
    row[column] = value
  end
  row.ID = string.format("%d", item.id)
  row.Name = item.name
  row.Estimate = estimates.format(item.estimates)
  row.Tags = kvlist.format(item.tags)
  return row
end

-- Weeks per skill.
function M.weeks(item)
  return (estimates.totals(item.estimates))
end

function M.total_weeks(item)
  local total = 0
  for _, entry in ipairs(item.estimates) do
    total = total + entry.weeks
  end
  return total
end

-- (Track and triage are remembered in the tags' memo, which `kvlist.set`
-- forgets: every view row asks for both after every change.)
local memo_of = kvlist.memo

-- `read(tags)` for an item, remembered in its tags' memo under `name`
-- (false stands for nil).
local function remembered(name, read)
  return function(item)
    local tags = item.tags
    local memo = tags.memo
    local answer = memo and memo[name]
    if answer == nil then
      answer = read(tags) or false
      memo_of(tags)[name] = answer
    end
    return answer or nil
  end
end

-- The item's track (its `track` tag), or nil.
M.track = remembered("track", function(tags)
  local track = kvlist.get(tags, "track")
  if track == nil or track == "" then
    return nil
  end
  return track
end)

-- A triage level: a positive number to two decimals (so at least 0.01)
-- and finite once rounded (a float past about 1.8e306 rounds to
-- infinity); nil if `value` is none.
local function valid_level(value)
  if type(value) == "number" and value > 0 then
    local rounded = num.round(value)
    if rounded > 0 and num.finite(rounded) then
      return rounded
    end
  end
  return nil
end

local function parse_level(text)
  return valid_level(tonumber(text))
end

local LEVEL_HELP = "1 is most important, then 1.5, 2, ..."

-- A triage level from a tag's text, or nil. Answers for texts are
-- remembered: every view row asks after every change, and a plan uses a
-- handful of levels.
local level = num.remembered(parse_level)

-- Merged triage: an explicit `Triage` wins, otherwise the most important
-- (lowest) group value; nil when untriaged.
local function triage_of(tags)
  local explicit_seen, best = false, nil
  for i = 1, #tags do
    local tag = tags[i]
    if tag == nil then
      break -- where ipairs would stop
    end
    local key, value = tag.key, tag.value
    if key == M.TRIAGE then
      -- Only the first `Triage` tag counts, as kvlist.get reads it.
      if not explicit_seen then
        explicit_seen = true
        local explicit_level = value ~= nil and level(value)
        if explicit_level then
          return explicit_level
        end
      end
    elseif value and is_group_triage(key) then
      local group_level = level(value)
      if group_level and (best == nil or group_level < best) then
        best = group_level
      end
    end
  end
  return best
end

M.triage = remembered("triage", triage_of)

-- The item's track and triage, with one look at its tags' memo once both
-- are remembered.
function M.track_and_triage(item)
  local memo = item.tags.memo
  if memo then
    local track, triage = memo.track, memo.triage
    if track ~= nil and triage ~= nil then
      return track or nil, triage or nil
    end
  end
  return M.track(item), M.triage(item)
end

-- The text a triage level given at the console is saved as (`num.text`,
-- to ten digits), or nil and what is wrong with it: "not a number",
-- "not above 0", ... A level that would read back as another one (ten
-- digits) is refused, as is one that rounds to 0 or to infinity.
function M.level_text(value)
  local n = type(value) == "number" and value or type(value) == "string" and tonumber(value)
  if not n or n ~= n then
    return nil, "not a number"
  elseif n <= 0 then
    return nil, "not above 0"
  end
  local valid = valid_level(n)
  if not valid then
    return nil, num.finite(n) and (num.round(n) > 0 and "too large" or "below 0.01")
      or "not a finite number"
  end
  local text = num.text(valid)
  if parse_level(text) ~= valid then
    return nil, "too many digits to save (" .. text .. ")"
  end
  return text
end

M.LEVEL_HELP = LEVEL_HELP

-- Sets the explicit triage (a positive number), or removes it (nil).
-- `whose` (the item's label) is named in the error for a bad level.
function M.set_triage(item, value, whose)
  if value ~= nil then
    local text, problem = M.level_text(value)
    if not text then
      error("bad triage level '" .. tsv.escaped(value) .. "'" .. (whose and " for " .. whose or "")
        .. ": " .. problem .. " (" .. LEVEL_HELP .. ")", 0)
    end
    value = text
  end
  kvlist.set(item.tags, M.TRIAGE, value)
end

-- An error if a tag about to be set is a triage tag (`Triage` or a
-- group's) whose value is not a level.
function M.check_triage_tag(key, value)
  if (key == M.TRIAGE or M.is_group_triage(key)) and not parse_level(value or "") then
    error("bad triage tag '" .. tsv.escaped(key) .. ":" .. tsv.escaped(value) .. "' (" .. LEVEL_HELP
      .. ")", 0)
  end
end

-- Appends to `found` what no command would store in a work item's or a
-- person's name and tags (`check_name`, and the plan's tag checks,
-- refuse it): a file edited by hand may hold it, and still loads.
function M.text_problems(record, found)
  local problem = tsv.text_problem(tostring(record.name))
  if problem then
    found[#found + 1] = "the name cannot hold " .. problem
  end
  for _, tag in ipairs(record.tags) do
    local text = kvlist.format({ tag })
    problem = tsv.text_problem(text)
    if problem then
      found[#found + 1] = "tag '" .. text .. "' cannot hold " .. problem
    end
  end
  return found
end

-- What is wrong with an item's data: text no command would store,
-- unparsable estimates and triage tags.
function M.problems(item)
  local found = M.text_problems(item, {})
  for _, problem in ipairs(estimates.problems(item.estimates)) do
    found[#found + 1] = "estimate '" .. problem.text .. "': " .. problem.reason
  end
  for _, tag in ipairs(item.tags) do
    if (tag.key == M.TRIAGE or M.is_group_triage(tag.key)) and not level(tag.value or "") then
      found[#found + 1] = "triage tag '" .. kvlist.format({ tag }) .. "' is not a level ("
        .. LEVEL_HELP .. ")"
    end
  end
  return found
end

-- Reads work.tsv text: { items = {in file order}, by_id = {}, doc = document }.
function M.parse(text, name)
  local doc = tsv.parse(text, name, M.COLUMNS)
  local work = { items = {}, by_id = {}, columns = doc.columns, separator = doc.separator,
    name = name }
  for i, row in ipairs(doc.rows) do
    local where = name .. ":" .. doc.lines[i]
    local item = M.from_row(row, where)
    if work.by_id[item.id] then
      error(where .. ": work item " .. item.id .. " appears twice", 0)
    end
    work.items[#work.items + 1] = item
    work.by_id[item.id] = item
  end
  return work
end

function M.format(work)
  local rows = {}
  for i, item in ipairs(work.items) do
    rows[i] = M.to_row(item)
  end
  return tsv.format(work.columns or M.COLUMNS, rows, work.separator, work.name)
end

-- One more than the highest id, counting items removed since the plan was
-- loaded (`removed_top`): a removed item's id given to a new one would make
-- a command typed with it, or found in the console's history, name
-- another item.
function M.next_id(work)
  local top = work.removed_top or 0
  for _, item in ipairs(work.items) do
    if item.id > top then
      top = item.id
    end
  end
  return top + 1
end

return M
