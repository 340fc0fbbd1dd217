-- The plan: work, people and one ranked plan (plan.tsv), loaded from a
-- directory, edited in place and saved back. `analyze` computes supply,
-- running demand, the feasible line and the items short of staff.
--
--   local Plan = require("lib.plan")
--   local p = Plan.load(".")        -- work.tsv, people.tsv, plan.tsv
--   local a = p:analyze()           -- a.feasible, a.rows[i].short, ...
--   p:move(12, 3) p:save()

local tsv = require("lib.tsv")
local kvlist = require("lib.kvlist")
local estimates = require("lib.estimates")
local work = require("lib.work")
local people = require("lib.people")
local store = require("lib.store")
local num = require("lib.num")
local spelling = require("lib.spelling")

local Plan = {}
Plan.__index = Plan

Plan.FILES = { work = "work.tsv", people = "people.tsv", plan = "plan.tsv" }
Plan.COLUMNS = { "ID", "Name", "NumWeeks", "TeamID", "Cutline", "WorkItems", "Tags" }

-- Skills are shown in this order; others follow alphabetically.
Plan.SKILL_ORDER = { "Native", "Web", "Apps", "Server", "QA" }

-- Running demand may exceed supply by this much (rounding) and still fit.
local EPSILON = 1e-9

local function parse_plans(text, name)
  local doc = tsv.parse(text, name, Plan.COLUMNS)
  local plans = { list = {}, columns = doc.columns, separator = doc.separator, name = name }
  for i, row in ipairs(doc.rows) do
    local where = name .. ":" .. doc.lines[i]
    local weeks = num.integer(row.NumWeeks)
    if not weeks or weeks < 1 then
      error(where .. ": bad NumWeeks '" .. tsv.escaped(row.NumWeeks) .. "'", 0)
    end
    local cutline = num.integer(row.Cutline == "" and "0" or row.Cutline)
    if not cutline or cutline < 0 then
      error(where .. ": bad Cutline '" .. tsv.escaped(row.Cutline) .. "'", 0)
    end
    -- (`seen` is keyed by the id's text: integer keys arriving out of
    -- order can make piccolo 0.3.3 panic as the table grows; docs/LUA.md.)
    local ranking, seen = {}, {}
    for _, piece in ipairs(tsv.split(row.WorkItems or "", ",")) do
      local text = tsv.trim(piece)
      if text ~= "" then
        local id = work.parse_id(text)
        if not id then
          error(where .. ": bad work item id '" .. tsv.escaped(text) .. "' in WorkItems", 0)
        end
        local key = string.format("%d", id)
        if seen[key] then
          error(where .. ": work item " .. id .. " is ranked twice", 0)
        end
        seen[key] = true
        ranking[#ranking + 1] = id
      end
    end
    plans.list[#plans.list + 1] = {
      id = row.ID, name = row.Name, weeks = weeks, team = row.TeamID, cutline = cutline,
      ranking = ranking, tags = kvlist.parse(row.Tags), row = row, where = where,
    }
  end
  if #plans.list == 0 then
    error(name .. ": no plan", 0)
  end
  return plans
end

local function format_plans(plans)
  local rows = {}
  for i, plan in ipairs(plans.list) do
    local row = {}
    for column, value in pairs(plan.row or {}) do
      row[column] = value
    end
    local ids = {}
    for r, id in ipairs(plan.ranking) do
      ids[r] = string.format("%d", id)
    end
    row.ID, row.Name, row.TeamID = plan.id, plan.name, plan.team
    row.NumWeeks = string.format("%d", plan.weeks)
    row.Cutline = string.format("%d", plan.cutline)
    row.WorkItems = table.concat(ids, ",")
    row.Tags = kvlist.format(plan.tags)
    rows[i] = row
  end
  return tsv.format(plans.columns or Plan.COLUMNS, rows, plans.separator, plans.name)
end

-- Builds a plan from the three files' texts (`names` label messages).
function Plan.from_texts(texts, names)
  names = names or Plan.FILES
  local self = setmetatable({}, Plan)
  self.work = work.parse(texts.work, names.work)
  self.people = people.parse(texts.people, names.people)
  self.plans = parse_plans(texts.plan, names.plan)
  self.plan = self.plans.list[1]
  for _, id in ipairs(self.plan.ranking) do
    if not self.work.by_id[id] then
      error(self.plan.where .. ": plan " .. self.plan.name .. " ranks work item " .. id
        .. ", which is not in " .. names.work, 0)
    end
  end
  if self.plan.cutline > #self.plan.ranking then
    error(self.plan.where .. ": cutline " .. self.plan.cutline .. " is below the last rank ("
      .. #self.plan.ranking .. ")", 0)
  end
  -- A file whose lines end in CR LF (saved on Windows, say) is written
  -- back that way.
  self.crlf = {}
  for key in pairs(Plan.FILES) do
    local first = texts[key]:find("\n", 1, true)
    self.crlf[key] = first ~= nil and texts[key]:sub(first - 1, first - 1) == "\r"
  end
  -- What each file holds, as the plan would write it: `save` leaves a
  -- file the plan has not changed as it is, with its backup. (A field
  -- that could not be written back, a lone carriage return in a name,
  -- fails the load here rather than every save in a meeting.)
  self.saved = self:texts()
  return self
end

-- Loads work.tsv, people.tsv and plan.tsv from `dir` ("." for the plan
-- directory); `save` writes back to the same place unless told otherwise.
function Plan.load(dir)
  dir = dir or "."
  local texts, names = {}, {}
  for key, file in pairs(Plan.FILES) do
    names[key] = store.join(dir, file)
    texts[key] = tsv.read_text(names[key])
  end
  local self = Plan.from_texts(texts, names)
  self.dir = dir
  return self
end

-- The files' texts as they would be saved.
function Plan:texts()
  local texts = {
    work = work.format(self.work),
    people = people.format(self.people),
    plan = format_plans(self.plans),
  }
  for key, crlf in pairs(self.crlf) do
    if crlf then
      texts[key] = texts[key]:gsub("\n", "\r\n")
    end
  end
  return texts
end

-- Writes the files whose contents the plan changed since it was loaded or
-- last saved (all of them to another `dir`; default: where the plan was
-- loaded from), each keeping its previous version as `NAME.bak`: saving
-- twice keeps the backup of the first save. Returns the names of the
-- files written.
function Plan:save(dir)
  dir = dir or self.dir or "."
  local elsewhere = dir ~= (self.dir or ".")
  local texts = self:texts()
  local written = {}
  for _, key in ipairs({ "work", "plan", "people" }) do
    if elsewhere or texts[key] ~= self.saved[key] then
      store.save(store.join(dir, Plan.FILES[key]), texts[key])
      written[#written + 1] = Plan.FILES[key]
      if not elsewhere then
        self.saved[key] = texts[key]
      end
    end
  end
  if not elsewhere and #written > 0 then
    self.allowed = nil -- (see `Plan:allow`)
  end
  return written
end

-- Whether the plan holds changes its files do not: what `save` would write.
function Plan:unsaved()
  local texts = self:texts()
  for key, text in pairs(texts) do
    if text ~= self.saved[key] then
      return true
    end
  end
  return false
end

-- Lookups -----------------------------------------------------------------

-- The work item `id` (a number or numeric string); an error if none.
function Plan:item(id)
  local key = work.parse_id(id)
  local item = key and self.work.by_id[key]
  if not item then
    error("no work item " .. tsv.escaped(id), 0)
  end
  return item
end

function Plan:person(id)
  local key = num.integer(id)
  local person = key and self.people.by_id[key]
  if not person then
    error("no person " .. tsv.escaped(id), 0)
  end
  return person
end

-- The rank of item `id`, or nil if the plan does not rank it.
function Plan:rank_of(id)
  local ranking = self.plan.ranking
  for rank = 1, #ranking do
    local ranked = ranking[rank]
    if ranked == id then
      return rank
    elseif ranked == nil then
      return nil -- where ipairs would stop
    end
  end
  return nil
end

function Plan:count()
  return #self.plan.ranking
end

-- The ranked items, in rank order.
function Plan:ranked()
  local list, ranking, by_id = {}, self.plan.ranking, self.work.by_id
  for rank = 1, #ranking do
    local id = ranking[rank]
    if id == nil then
      break -- where ipairs would stop
    end
    list[rank] = by_id[id]
  end
  return list
end

-- Work items the plan does not rank.
function Plan:unranked()
  local list = {}
  for _, item in ipairs(self.work.items) do
    if not self:rank_of(item.id) then
      list[#list + 1] = item
    end
  end
  return list
end

function Plan:supply()
  return people.supply(self.people, self.plan.weeks)
end

-- The skills of `present` (a set) in display order.
local function display_order(present)
  local ordered, known = {}, {}
  for _, skill in ipairs(Plan.SKILL_ORDER) do
    known[skill] = true
    if present[skill] then
      ordered[#ordered + 1] = skill
    end
  end
  local others = {}
  for skill in pairs(present) do
    if not known[skill] then
      others[#others + 1] = skill
    end
  end
  table.sort(others)
  for _, skill in ipairs(others) do
    ordered[#ordered + 1] = skill
  end
  return ordered
end

-- Every work item's weeks per skill (`weeks[item]`), the skills they
-- name (`named`, a set), whether all are whole weeks (`integral`) and
-- the items with estimates that could not be parsed (`unparsed[item]`),
-- remembered on the work list for as long as each item's estimates keep
-- the totals they had: `estimates.totals` remembers those on each list
-- and `kvlist.set` forgets them, so an edit or a replaced list or item is
-- seen (each list's memo is a new table). After a move nothing is counted
-- again, only every item's memo compared with the one seen; after an
-- edit of some items' estimates, only those items (`recounted`). Each
-- answer is a new table, so that one kept from before tells that the
-- estimates changed since; the maps in it may be shared with the next.
local function recounted(kept, items, changed)
  local weeks, uses, named = kept.weeks, kept.uses, kept.named
  local unparsed, fractional = kept.unparsed, kept.fractional
  local totals, gone = estimates.totals, false
  -- (Sets that change are copied, not changed: piccolo 0.3.3 can fail to
  -- grow a table whose keys were removed, docs/LUA.md.)
  local function without(set, item)
    local copy = {}
    for member in next, set do
      if member ~= item then
        copy[member] = true
      end
    end
    return copy
  end
  -- (The weeks counted before, taken first: an item listed twice, by hand,
  -- is counted once per listing, as the full count does.)
  local before = {}
  for c = 1, #changed do
    before[c] = weeks[items[changed[c]]]
  end
  for c = 1, #changed do
    local i = changed[c]
    local item = items[i]
    local entries = item.estimates
    local item_weeks, whole, any_unparsed = totals(entries)
    for skill in next, before[c] do
      uses[skill] = uses[skill] - 1
      gone = gone or uses[skill] == 0
    end
    for skill in next, item_weeks do
      uses[skill] = (uses[skill] or 0) + 1
      named[skill] = true
    end
    if (fractional[item] == true) == whole then
      fractional = without(fractional, item)
      if not whole then
        fractional[item] = true
      end
    end
    if (unparsed[item] == true) ~= any_unparsed then
      unparsed = without(unparsed, item) -- (analyses hold the old set)
      if any_unparsed then
        unparsed[item] = true
      end
    end
    weeks[item], kept.seen[i] = item_weeks, entries.memo
  end
  if gone then
    named = {}
    for skill, count in next, uses do
      if count > 0 then
        named[skill] = true
      end
    end
  end
  return { count = kept.count, seen = kept.seen, at = kept.at, weeks = weeks, uses = uses,
    named = named, integral = next(fractional) == nil, fractional = fractional,
    unparsed = unparsed }
end

local function estimated(list)
  local items, kept = list.items, list.estimated
  local count = #items
  if kept and kept.count == count then
    local seen, at, changed = kept.seen, kept.at, nil
    for i = 1, count do
      local item = items[i]
      if item == nil then
        break -- where the counting stopped
      elseif item.estimates.memo ~= seen[i] then
        if at[i] ~= item then
          changed = false -- (items replaced or in another order: all counted again)
          break
        end
        changed = changed or {}
        changed[#changed + 1] = i
      end
    end
    if changed == nil then
      return kept
    elseif changed then
      kept = recounted(kept, items, changed)
      list.estimated = kept
      return kept
    end
  end
  local weeks, named, seen, at, uses, unparsed, fractional = {}, {}, {}, {}, {}, {}, {}
  local totals = estimates.totals
  for i = 1, count do
    local item = items[i]
    if item == nil then
      break -- where ipairs would stop
    end
    local entries = item.estimates
    local item_weeks, whole, any_unparsed = totals(entries, named)
    for skill in next, item_weeks do
      uses[skill] = (uses[skill] or 0) + 1
    end
    if not whole then
      fractional[item] = true
    end
    weeks[item] = item_weeks
    if any_unparsed then
      unparsed[item] = true
    end
    seen[i], at[i] = entries.memo, item
  end
  kept = { count = count, seen = seen, at = at, weeks = weeks, uses = uses, named = named,
    integral = next(fractional) == nil, fractional = fractional, unparsed = unparsed }
  list.estimated = kept
  return kept
end

-- Every skill in supply or in any estimate, in display order. `supply`
-- spares computing it again.
function Plan:skills(supply)
  local present = {}
  for skill in pairs(supply or self:supply()) do
    present[skill] = true
  end
  for skill in pairs(estimated(self.work).named) do
    present[skill] = true
  end
  return display_order(present)
end

-- Names the checks below would take for slips of known ones but that the
-- console allowed as new (`Plan:allow`).
local function is_allowed(self, name)
  return self.allowed ~= nil and self.allowed[name] == true
end

-- What an error about a name taken for a slip ends with: how to use it
-- as a new name all the same. (Names with control characters are refused
-- before they are checked.)
local function allow_hint(name)
  return "; if it is new, allow(" .. string.format("%q", name) .. ") first"
end

-- Lets the checks below take `name` (a skill or a track) as a new name
-- where they would take it for a slip of a known one ("Web3" beside
-- "Web"), until the plan is saved or loaded again (once an item or a
-- person has it, the plan knows it). (Not past a save: commands since a
-- save run again on the saved files after a code edit, and an `allow`
-- before it would not.) Tag keys are not allowed so: the plan reads only
-- `track` and the triage keys, and a key one slip from them is a mistake.
function Plan:allow(name)
  name = type(name) == "string" and name:match("^%s*(.-)%s*$") or nil
  if name == nil or name == "" then
    error("a skill or track to allow, e.g. allow(\"Web3\")", 0)
  end
  self.allowed = self.allowed or {}
  self.allowed[name] = true
end

-- A skill the plan does not know that differs from one it knows only in
-- case, or by a slip of the keyboard ("Nativ"; `spelling.skill_slips`
-- says how near), would count as a new skill no one has, and the plan
-- would be short of it from that rank on: an error naming the known one.
-- `names` lists the skills an edit is about to use (other values are
-- left to the edit to refuse). Returns the names the plan does not know:
-- new skills, which are allowed (work may need a skill no one has yet).
function Plan:check_skills(names)
  local skills, known, new = self:skills(), {}, {}
  for _, skill in ipairs(skills) do
    known[skill] = true
  end
  for _, name in ipairs(names) do
    if type(name) == "string" and not known[name] then
      local near = not is_allowed(self, name) and spelling.near(name, skills, spelling.skill_slips)
      if near then
        error("unknown skill '" .. tsv.escaped(name) .. "' (did you mean '" .. near .. "'?)"
          .. allow_hint(name), 0)
      end
      known[name] = true
      new[#new + 1] = name
    end
  end
  return new
end

-- Tag keys about to be set (`names`) on an item or a person, checked
-- against the keys the plan reads (`track`, `Triage`, a group's
-- `...Triage`) and those `records` (the work items, or the people)
-- already have: a key that differs from one of them only in case, or from
-- one the plan reads by one slip, would be stored and never read
-- ("Track", "triage", "EngTraige"). An error naming the known key.
local function check_tag_keys(names, records)
  local known, list = {}, {}
  local function add(key)
    if not known[key] then
      known[key] = true
      list[#list + 1] = key
    end
  end
  add("track")
  add(work.TRIAGE)
  for _, record in ipairs(records) do
    for _, tag in ipairs(record.tags) do
      add(tag.key)
    end
  end
  local function slips(key)
    return (key == "track" or key == work.TRIAGE or work.is_group_triage(key)) and 1 or 0
  end
  for _, name in ipairs(names) do
    if not known[name] then
      local near = spelling.near(name, list, slips)
      -- A group's triage key out of its shape (`Designtriage`,
      -- `DesignTriag`): only `NAMETriage` is read as one.
      local at = near == nil and name:lower():find("triag", 2, true)
      local group = at and name:sub(1, at - 1)
      if group and group:match("^%a+$") and not work.is_group_triage(name) then
        near = group .. work.TRIAGE
      end
      if near then
        error("unknown tag key '" .. tsv.escaped(name) .. "' (did you mean '" .. tsv.escaped(near)
          .. "'?)", 0)
      end
    end
  end
end

-- A track named in `tags` (a list of {key, value}) that the plan's work
-- items and people (`lists`) do not use, but that differs from one they
-- use only in case or by a slip ("growth", "Paymnets"), would start a
-- track of its own: an error naming the known one. A new track far from
-- all of them is a new track.
local function check_tracks(self, tags, lists)
  local known, list = {}, {}
  for _, records in ipairs(lists) do
    for _, record in ipairs(records) do
      local track = kvlist.get(record.tags, "track")
      if track and not known[track] then
        known[track] = true
        list[#list + 1] = track
      end
    end
  end
  for _, tag in ipairs(tags) do
    if tag.key == "track" and tag.value and not known[tag.value]
      and not is_allowed(self, tag.value) then
      local near = spelling.near(tag.value, list, spelling.skill_slips)
      if near then
        error("unknown track '" .. tsv.escaped(tag.value) .. "' (did you mean '"
          .. tsv.escaped(near) .. "'?)" .. allow_hint(tag.value), 0)
      end
    end
  end
end

local function keys(entries)
  local list = {}
  for i, entry in ipairs(entries) do
    list[i] = entry.key
  end
  return list
end

-- An item or a person as messages name it: `61 'Card freeze'`.
local function label(record)
  return string.format("%d '%s'", record.id, tsv.escaped(record.name))
end

-- What was typed, for messages: text quoted ('x'), other values as they are.
local function typed(value)
  if type(value) == "string" then
    return "'" .. tsv.escaped(value) .. "'"
  end
  return tsv.escaped(value)
end

-- A whole number from what was typed for `what` ("rank", "cutline"), as
-- `num.whole` reads it; otherwise an error saying what it is not, with
-- `range` (the valid values, "1..60").
local function whole(value, what, range)
  local n = num.whole(value)
  if n == nil then
    local number = type(value) == "number" and value
      or type(value) == "string" and tonumber(value) or nil
    local kind = (number and number == number) and "a whole number" or "a number"
    error(what .. " " .. typed(value) .. " is not " .. kind .. " (" .. range .. ")", 0)
  end
  return n
end
Plan.whole = whole

-- Analysis ------------------------------------------------------------------

-- What `analyze` returns; `running` is its one method.
local Analysis = {}
Analysis.__index = Analysis

-- Running demand kept by skill position as a skill -> weeks map (skills
-- no item so far estimates are left out).
local function by_skill(skills, running)
  local map = {}
  for s = 1, #skills do
    local total = running[s]
    if total then
      map[skills[s]] = total
    end
  end
  return map
end

-- The running demand at `rank`: weeks per skill of that item and every
-- item ranked above it. Worked out for every row the first time one is
-- asked for (the chart view and the console's `totals` and `show` read
-- it; the other views do not, so `analyze` leaves it).
function Analysis:running(rank)
  local all = self.running_by_rank
  if not all then
    all = {}
    local skills, weeks, position, running = self.skills, self.weeks, {}, {}
    for s = 1, #skills do
      position[skills[s]] = s
    end
    for r = 1, #weeks do
      for skill, more in next, weeks[r] do
        local s = position[skill]
        if s then
          running[s] = (running[s] or 0) + more
        end
      end
      all[r] = by_skill(skills, running)
    end
    self.running_by_rank = all
  end
  return all[rank]
end

-- An item's row as views send it (the guest SDK's `WorkItem`), its
-- estimates as `shown`; `unparsed`: the set of items with estimates that
-- could not be parsed.
local track_and_triage = work.track_and_triage
local function new_row(item, rank, shown, short, unparsed)
  local track, triage = track_and_triage(item)
  local row = { id = item.id, name = item.name, rank = rank, estimates = shown, track = track,
    triage = triage, short = short }
  if unparsed[item] then
    local problems = estimates.problems(item.estimates)
    local texts = {}
    for i = 1, #problems do
      texts[i] = problems[i].text
    end
    row.unparsed = texts
  end
  return row
end

-- Walks the ranking top-down. Returns an analysis
--   { skills, supply, cutline, feasible, demand (committed), integral,
--     unparsed = { [item] = true, ... },
--     items = { item, ... }, weeks = { {skill = weeks, ...}, ... },
--     rows = { {id, name, rank, estimates, track, triage,
--               short = { {skill, weeks}, ... }, unparsed?}, ... } }
-- with `analysis:running(rank)` the running demand at a rank. `items`,
-- `weeks` and `rows` are in rank order: the work items, their weeks per
-- skill, and each one as views send it (the guest SDK's `WorkItem`:
-- estimates rounded, the texts of unparsable estimates in `unparsed`), so
-- the work view sends the rows as they are. `unparsed` holds the work
-- items with estimates that could not be parsed. `feasible` is the rank
-- of the last item before the first one whose running demand exceeds
-- supply in some skill (every rank if none does); `short` is filled for
-- items at or above the cutline and below the feasible line (the rows
-- short of nothing share one empty table). `integral` is true when every
-- estimate is a whole number of weeks, so every `weeks` and running value
-- is an integer. Views share analyses: read them, do not change them.
-- (Runs after every change: numeric loops, each value read once, running
-- demand kept by skill position, only the skills an item estimates
-- visited to add it and, above the feasible line, to check it, the list
-- of shortfalls made only for an item that has some and is shown short,
-- no adding at all past both the cutline and the feasible line, the
-- running demand of each row left for the views that show it, and each
-- row built once, in the shape it is sent in.)
-- (`extra`: skills that only items ranked but missing from the work list
-- name; the walk meets them and starts again with them, so that their
-- demand counts against a supply of none, as `feasible` counts it.)
local function analyze(self, extra)
  local supply = self:supply()
  local known = estimated(self.work)
  local weeks_of, integral, unparsed = known.weeks, known.integral, known.unparsed
  local present = {}
  for skill in pairs(supply) do
    present[skill] = true
  end
  for skill in next, known.named do
    present[skill] = true
  end
  if extra then
    for skill in next, extra do
      present[skill] = true
    end
  end
  local unknown = nil
  local skills = display_order(present)
  local cutline = self.plan.cutline
  local items, weeks_by_rank, rows = {}, {}, {}
  local result = setmetatable({ skills = skills, supply = supply, cutline = cutline,
    items = items, weeks = weeks_by_rank, rows = rows }, Analysis)
  local position, limit, running, skill_count = {}, {}, {}, #skills
  for s = 1, skill_count do
    local skill = skills[s]
    position[skill] = s
    limit[s] = supply[skill] or 0
  end
  local feasible, round, none, adding, added, strays = nil, num.round, {}, true, nil, false
  local ranking, by_id = self.plan.ranking, self.work.by_id
  local shown = num.shown
  for rank = 1, #ranking do
    local id = ranking[rank]
    local item = id ~= nil and by_id[id]
    if not item then
      break -- where ipairs over `ranked()` would stop
    end
    local weeks = weeks_of[item]
    if not weeks then
      -- Ranked but not in the work list: its estimates count all the same.
      strays = true
      local whole, any_unparsed
      weeks, whole, any_unparsed = estimates.totals(item.estimates)
      integral = integral and whole
      for skill in next, weeks do
        if position[skill] == nil then
          unknown = unknown or {}
          unknown[skill] = true
        end
      end
      if any_unparsed then
        if unparsed == known.unparsed then
          -- (The remembered set stays as the work list has it.)
          local copy = {}
          for unparsed_item in next, unparsed do
            copy[unparsed_item] = true
          end
          unparsed = copy
        end
        unparsed[item] = true
      end
    end
    local short = none
    if adding then
      local crossed = false
      for skill, more in next, weeks do
        local s = position[skill]
        if s then
          local total = (running[s] or 0) + more
          running[s] = total
          if total - limit[s] > EPSILON then
            crossed = true
          end
        end
      end
      -- Above the feasible line no skill was over before this item, so
      -- only one it estimates can be over now; past the feasible line and
      -- the cutline nothing is shown short. Otherwise every skill's excess
      -- is worked out.
      local over = nil
      if (feasible == nil and crossed) or (feasible ~= nil and rank <= cutline) then
        for s = 1, skill_count do
          local total = running[s]
          if total and total - limit[s] > EPSILON then
            over = over or {}
            over[#over + 1] = { skill = skills[s], weeks = round(total - limit[s]) }
          end
        end
      end
      if feasible == nil and over then
        feasible = rank - 1
      end
      if rank == cutline then
        result.demand = by_skill(skills, running)
      end
      if feasible ~= nil and rank <= cutline and over then
        short = over
      end
      -- Past both lines the running demand changes nothing shown.
      adding = feasible == nil or rank < cutline
      if not adding then
        added = rank
      end
    end
    -- (Whole weeks so far: this item's map goes as it is.)
    items[rank], weeks_by_rank[rank] = item, weeks
    rows[rank] = new_row(item, rank, integral and weeks or shown(skills, weeks), short, unparsed)
  end
  if unknown then
    if extra then
      for skill in next, extra do
        unknown[skill] = true
      end
    end
    return analyze(self, unknown)
  end
  result.feasible = feasible or #rows
  result.demand = result.demand or {}
  result.integral, result.unparsed = integral, unparsed
  -- (For `Plan:analyze_again`: what the walk was given, the last rank it
  -- added, whether it met items missing from the work list, the rows'
  -- shared empty `short`.)
  result.known, result.added, result.strays, result.none = known, added or #rows, strays, none
  return result
end

function Plan:analyze()
  return analyze(self)
end

-- Analysis again ------------------------------------------------------------

-- Whether a cutline is one `cut` can set: a whole number, 0 or more. (By
-- hand at the console it could be anything; an analysis of such a plan
-- is not made again, only afresh.)
local function whole_rank(cutline)
  return math.type(cutline) == "integer" and cutline >= 0
end

-- What `analyze_again` keeps on an analysis of a plan whose estimates are
-- all whole weeks, whose cutline is a whole rank and whose ranked items
-- are all in the work list: by
-- skill position (`position[skill]`), its supply (`limit`), its running
-- demand at every rank down to `valid` (`runs[s][rank]`, 0 above the
-- first item that estimates it: supply is never below 0, so that is
-- never over) and how many items at or above the cutline estimate it
-- (`users`); each rank's tags memo. Returns the analysis.
local function kept_for_again(a)
  if a.strays or not a.integral or not whole_rank(a.cutline) then
    return a
  end
  local skills, weeks, items, cutline = a.skills, a.weeks, a.items, a.cutline
  local position, limit, runs, running, users = {}, {}, {}, {}, {}
  for s = 1, #skills do
    local skill = skills[s]
    position[skill], limit[s], runs[s], running[s], users[s] = s, a.supply[skill] or 0, {}, 0, 0
    if limit[s] < 0 then
      return a
    end
  end
  for rank = 1, a.added do
    for skill, more in next, weeks[rank] do
      local s = position[skill]
      running[s] = running[s] + more
      if rank <= cutline then
        users[s] = users[s] + 1
      end
    end
    for s = 1, #skills do
      runs[s][rank] = running[s]
    end
  end
  local tag_memos = {}
  for rank = 1, #items do
    tag_memos[rank] = items[rank].tags.memo
  end
  a.position, a.limit, a.runs, a.valid, a.users, a.tag_memos =
    position, limit, runs, a.added, users, tag_memos
  return a
end

local function walked_again(self)
  return kept_for_again(analyze(self))
end

-- The first rank from `rank` to `line` where a skill's running demand
-- (`run`) plus `more` goes past its supply (`limit`), as the walks compare
-- them, or nil. (Running demand only grows down the ranking: found by
-- halving.)
local function first_past(run, rank, line, more, limit)
  local low, high = rank, line + 1
  while low < high do
    local middle = (low + high) // 2
    if run[middle] + more - limit > EPSILON then
      high = middle
    else
      low = middle + 1
    end
  end
  return low <= line and low or nil
end

-- `a` (kept for again, its lists in the new rank order, running demand
-- right down to `a.valid`) made the analysis of the plan now: rows of
-- items renamed or tagged since built again, the ranks `first`..`last`
-- given to their rows, running demand walked on as far as the walk would
-- go, the feasible line, the demand at the cutline, and the rows short of
-- staff wherever rank, the line or the item changed.
local function refreshed(a, first, last)
  local items, rows, tag_memos, weeks = a.items, a.rows, a.tag_memos, a.weeks
  local count, cutline, none = #items, a.cutline, a.none
  local again = {}
  for rank = 1, count do
    local item = items[rank]
    local memo = item.tags.memo
    if memo ~= tag_memos[rank] or memo == nil or rows[rank].name ~= item.name then
      rows[rank] = new_row(item, rank, weeks[rank], none, a.unparsed)
      tag_memos[rank] = item.tags.memo
      again[#again + 1] = rank
    end
  end
  -- The feasible line: the first rank past supply in any skill, among
  -- those walked or walking on.
  local runs, limit, valid = a.runs, a.limit, a.valid
  local skill_count = #runs
  local over_at = nil
  for s = 1, skill_count do
    local at = first_past(runs[s], 1, valid, 0, limit[s])
    if at ~= nil and (over_at == nil or at < over_at) then
      over_at = at
    end
  end
  if valid < count and (over_at == nil or valid < cutline) then
    local running, position, by_weeks = {}, a.position, a.known.weeks
    for s = 1, skill_count do
      running[s] = valid > 0 and runs[s][valid] or 0
    end
    repeat
      local rank = valid + 1
      for skill, more in next, by_weeks[items[rank]] do
        local s = position[skill]
        local total = running[s] + more
        running[s] = total
        if over_at == nil and total - limit[s] > EPSILON then
          over_at = rank
        end
      end
      for s = 1, skill_count do
        runs[s][rank] = running[s]
      end
      valid = rank
    until valid == count or (over_at ~= nil and valid >= cutline)
    a.valid = valid
  end
  local feasible = over_at and over_at - 1 or count
  -- Short of staff: rows at or above the cutline and below the line, each
  -- skill from the first rank it is over at (`over_from`; the walked ranks
  -- reach the cutline).
  local skills, round, over_from, over_skills = a.skills, num.round, {}, {}
  for s = 1, skill_count do
    local at = first_past(runs[s], 1, valid, 0, limit[s])
    if at ~= nil then
      over_from[#over_skills + 1] = at
      over_skills[#over_skills + 1] = s
    end
  end
  local function short_at(rank)
    if rank <= feasible or rank > cutline then
      return none
    end
    local over = nil
    for i = 1, #over_skills do
      if over_from[i] <= rank then
        local s = over_skills[i]
        over = over or {}
        over[#over + 1] = { skill = skills[s], weeks = round(runs[s][rank] - limit[s]) }
      end
    end
    return over or none
  end
  local top = math.min(last, feasible)
  for rank = first, top do
    local row = rows[rank]
    row.rank, row.short = rank, none
  end
  for rank = math.max(first, top + 1), last do
    local row = rows[rank]
    row.rank, row.short = rank, short_at(rank)
  end
  -- (Rows outside those ranks keep their short: the callers give the ranks
  -- where the rank, the running demand, the line or the cutline can have
  -- changed. After a move the line only moves among the ranks between the
  -- item's two places: up, those gain the item's weeks, and none can be
  -- over unless rank `last` already was (it holds no more than the item
  -- did at it); down, the same the other way.)
  for i = 1, #again do
    rows[again[i]].short = short_at(again[i])
  end
  local demand = {}
  if cutline >= 1 and cutline <= count then
    local users = a.users
    for s = 1, skill_count do
      if users[s] > 0 then
        demand[skills[s]] = runs[s][cutline]
      end
    end
  end
  -- (The running demand by rank is worked out again when asked for: false,
  -- not nil, as piccolo 0.3.3 can fail to grow a table whose keys were
  -- removed, docs/LUA.md.)
  a.feasible, a.demand, a.running_by_rank = feasible, demand, false
  return a
end

-- Whether analysis `a` has the skills of a plan with this supply and
-- these estimates: every skill it has still in supply or estimated, and
-- none supplied or estimated that it has not.
local function same_skills(a, known, supply)
  local skills, named, position = a.skills, known.named, a.position
  for s = 1, #skills do
    local skill = skills[s]
    if supply[skill] == nil and not named[skill] then
      return false
    end
  end
  for _, set in ipairs({ named, supply }) do
    for skill in next, set do
      if position[skill] == nil then
        return false
      end
    end
  end
  return true
end

-- Analysis `a` (kept for again) given another supply, with the same
-- skills: false if some skill's is below 0 (see `kept_for_again`).
local function limited(a, supply)
  local skills, limit = a.skills, a.limit
  for s = 1, #skills do
    local weeks = supply[skills[s]] or 0
    if weeks < 0 then
      return false
    end
    limit[s] = weeks
  end
  a.supply = supply
  return true
end

-- Analysis `a` (kept for again, its ranking the plan's) with the weeks of
-- items whose estimates changed since (`known`, as `estimated` counts
-- them now): each one's difference added to every skill's running demand
-- from its rank down, the count of items at or above the cutline that
-- estimate each skill, and its row built again. Returns the first rank
-- changed, nil if none, or false if an item is missing from the work list.
local function reweighed(a, known)
  local items, weeks, rows, tag_memos = a.items, a.weeks, a.rows, a.tag_memos
  local skills, runs, users, valid, cutline = a.skills, a.runs, a.users, a.valid, a.cutline
  local by_item, first = known.weeks, nil
  for rank = 1, #items do
    local item = items[rank]
    local new, old = by_item[item], weeks[rank]
    if new ~= old then
      if new == nil then
        return false
      end
      first = first or rank
      for s = 1, #skills do
        local skill = skills[s]
        local more = (new[skill] or 0) - (old[skill] or 0)
        if more ~= 0 then
          local run = runs[s]
          for at = rank, valid do
            run[at] = run[at] + more
          end
        end
        if rank <= cutline and (new[skill] == nil) ~= (old[skill] == nil) then
          users[s] = users[s] + (new[skill] and 1 or -1)
        end
      end
      weeks[rank] = new
      rows[rank] = new_row(item, rank, new, a.none, known.unparsed)
      tag_memos[rank] = item.tags.memo
    end
  end
  a.known, a.unparsed = known, known.unparsed
  return first
end

-- Analysis `a` (kept for again) with the cutline at `cutline`: the count
-- of items at or above it that estimate each skill. Returns the ranks
-- whose rows the move can make short of staff or not.
local function recut(a, cutline)
  local old, users, weeks, position = a.cutline, a.users, a.weeks, a.position
  local more = cutline > old and 1 or -1
  local low, high = math.min(old, cutline) + 1, math.min(math.max(old, cutline), #weeks)
  for rank = low, high do
    for skill in next, weeks[rank] do
      local s = position[skill]
      users[s] = users[s] + more
    end
  end
  a.cutline = cutline
  return low, high
end

-- The analysis again after a change, from `old`, an analysis of this plan
-- the caller gives up (it is changed and returned, or dropped): equal to
-- `analyze()`'s, field by field. When the change is one of these, only
-- what it can change is done again: one item moved (the ranks between its
-- two places: their rows, the same tables with the new rank, and each
-- skill's running demand there, shifted by the item's weeks), estimates
-- edited (each skill's running demand from the item's rank down, by the
-- difference), people edited (the supply), the cutline moved (the demand
-- at it); then the feasible line (found by halving) and the rows short of
-- staff wherever they may have changed. Rows whose item was renamed or
-- tagged since are built again. Anything else (items added or taken out,
-- a skill new to the plan or gone, two kinds of change at once) walks the
-- whole ranking, as `analyze` does.
-- (The host computes the views after every console command. With 2,000
-- items, in instructions: a pull to the top costs 0.41 of a walk, a move
-- one place up 0.22, a cutline move 0.24, an estimate edit 0.37, much of
-- it looking at every rank for what changed.)
function Plan:analyze_again(old)
  local supply, known = self:supply(), estimated(self.work)
  local ranking, by_id = self.plan.ranking, self.work.by_id
  local count, cutline = #ranking, self.plan.cutline
  local supply_changed = old and old.supply ~= supply
  local estimates_changed = old and old.known ~= known
  local cutline_changed = old and old.cutline ~= cutline
  if old == nil or old.runs == nil or old.strays or not known.integral or #old.items ~= count
    or not whole_rank(cutline)
    or ((supply_changed or estimates_changed) and not same_skills(old, known, supply)) then
    return walked_again(self)
  end
  -- The first rank from `start` to `stop` (by `step`) whose item is not
  -- the one `old` has there: nil if none, false if its id names no item.
  local items = old.items
  local function differing(start, stop, step)
    for rank = start, stop, step do
      local item = by_id[ranking[rank]]
      if item ~= items[rank] then
        return item ~= nil and rank
      end
    end
    return nil
  end
  local first = differing(1, count, 1)
  if first == false then
    return walked_again(self)
  elseif first == nil then
    -- No rank changed. Rows below the cutline are short of nothing before
    -- and after: those down to it are looked at again from where the
    -- change can make a difference.
    local kinds = (supply_changed and 1 or 0) + (estimates_changed and 1 or 0)
      + (cutline_changed and 1 or 0)
    local from, to = count + 1, math.min(count, cutline)
    if kinds > 1 then
      return walked_again(self)
    elseif supply_changed then
      if not limited(old, supply) then
        return walked_again(self)
      end
      from = 1 -- (every row may be short of something else now)
    elseif estimates_changed then
      from = reweighed(old, known)
      if from == false then
        return walked_again(self)
      end
    elseif cutline_changed then
      from, to = recut(old, cutline)
    end
    return refreshed(old, from or count + 1, to)
  elseif estimates_changed or supply_changed or cutline_changed then
    return walked_again(self) -- (more than items moved)
  end
  -- The moved item: the ranks `from` and `to`, between which every item
  -- is one place further from where it went.
  local last = differing(count, first, -1)
  if not last then
    return walked_again(self)
  end
  local from, to
  if by_id[ranking[first]] == items[last] then
    from, to = last, first -- moved up
    for rank = first + 1, last do
      if by_id[ranking[rank]] ~= items[rank - 1] then
        return walked_again(self)
      end
    end
  elseif by_id[ranking[last]] == items[first] then
    from, to = first, last -- moved down
    for rank = first, last - 1 do
      if by_id[ranking[rank]] ~= items[rank + 1] then
        return walked_again(self)
      end
    end
  else
    return walked_again(self)
  end
  local moved = items[from]
  local weeks = old.weeks[from]
  -- Who crosses the cutline: the item, one way, and the one at its edge,
  -- the other.
  local users, position = old.users, old.position
  if first <= cutline and cutline < last then
    local entering, leaving = moved, items[cutline]
    if from < to then
      entering, leaving = items[cutline + 1], moved
    end
    for skill in next, known.weeks[entering] do
      local s = position[skill]
      users[s] = users[s] + 1
    end
    for skill in next, known.weeks[leaving] do
      local s = position[skill]
      users[s] = users[s] - 1
    end
  end
  -- Running demand in the ranks between, from what the rank next to each
  -- held: the moved item's weeks added (it is above them now) or taken.
  local runs, valid = old.runs, old.valid
  local low, high = first, math.min(last - 1, from < to and valid - 1 or valid)
  if low <= high then
    for s = 1, #runs do
      local run, more = runs[s], weeks[old.skills[s]]
      if from > to then
        table.move(run, low, high - 1, low + 1)
        run[low] = low > 1 and run[low - 1] or 0
      else
        table.move(run, low + 1, high + 1, low)
      end
      if more ~= nil and more ~= 0 then
        if from > to then
          for rank = low, high do
            run[rank] = run[rank] + more
          end
        else
          for rank = low, high do
            run[rank] = run[rank] - more
          end
        end
      end
    end
  end
  if from < to and last > valid and first <= valid then
    -- (Rank `valid` would need the one below it, never walked.)
    valid = valid - 1
    for s = 1, #runs do
      runs[s][valid + 1] = nil
    end
  end
  old.valid = valid
  for _, list in ipairs({ items, old.rows, old.weeks, old.tag_memos }) do
    local kept = list[from]
    if from > to then
      table.move(list, to, from - 1, to + 1)
    else
      table.move(list, from + 1, to, from)
    end
    list[to] = kept
  end
  return refreshed(old, first, last)
end

-- (Defined with the other ways the line is kept up to date, below.)
local resupplied

-- The feasible line alone, as `analyze` finds it, without the rows: the
-- walk stops at the first item whose estimate takes a skill past its
-- supply (running demand only grows, so only the skills an item adds to
-- can cross the line there).
-- (Each console command prints it. The answer is remembered with what it
-- was found from: the estimates memo of each rank down to the first item
-- over, the supply, and each skill's running demand at each rank above
-- that item (`runs[skill][rank]`). While the memos and the supply are the
-- same, so are the weeks walked and the line. A move, an estimate edit
-- and a change of supply keep them up to date where they can
-- (`feasible_moved`, `feasible_estimated`, `resupplied`); where the line
-- can only have moved down, the next look walks on from the first item
-- over (`resume`).)
function Plan:feasible()
  local supply, running = self:supply(), {}
  local ranking, by_id, totals = self.plan.ranking, self.work.by_id, estimates.totals
  local kept, same = self.kept_feasible, false
  if kept and (not kept.all or kept.count == #ranking) then
    local memos = kept.memos
    same = true
    for rank = 1, #memos do
      local item = by_id[ranking[rank]]
      if item == nil or item.estimates.memo ~= memos[rank] then
        same = false
        break
      end
    end
    if same and kept.supply ~= supply then
      same = resupplied(kept, supply)
    end
    if same and not kept.resume then
      return kept.line
    end
  end
  local memos, runs, from = {}, {}, 1
  if kept and kept.resume and same then
    -- An estimate above the first item over went down: the walk goes on
    -- from that item with what is kept above it.
    memos, runs, from = kept.memos, kept.runs, kept.line + 1
    for skill, run in next, runs do
      running[skill] = run[kept.line]
    end
  end
  local function remember(line, all)
    -- Each skill's demand at every rank down to the line: what it last
    -- came to where the ranks since add nothing to it.
    for _, run in next, runs do
      for rank = #run, line + 1, -1 do
        run[rank] = nil
      end
      local last = run[#run] or 0
      for rank = #run + 1, line do
        run[rank] = last
      end
    end
    self.kept_feasible = { supply = supply, memos = memos, runs = runs, line = line, all = all,
      count = #ranking }
    return line
  end
  for rank = from, #ranking do
    local item = by_id[ranking[rank]]
    if item == nil then
      -- Where `analyze` stops; not remembered, as the item may come back.
      self.kept_feasible = false
      return rank - 1
    end
    -- (The item's remembered totals without a second call, and `next`
    -- directly, as the loop changes nothing it walks.)
    local entries = item.estimates
    local item_weeks = totals(entries)
    memos[rank] = entries.memo
    for skill, weeks in next, item_weeks do
      local total = (running[skill] or 0) + weeks
      running[skill] = total
      if total - (supply[skill] or 0) > EPSILON then
        return remember(rank - 1, false)
      end
      local run = runs[skill]
      if run == nil then
        run = {}
        runs[skill] = run
      end
      -- The ranks since it last changed hold what it was. (Written in
      -- rank order without gaps: piccolo 0.3.3 can fail to grow a table
      -- with integer keys out of order, docs/LUA.md.)
      local before = total - weeks
      for above = #run + 1, rank - 1 do
        run[above] = before
      end
      run[rank] = total
    end
  end
  return remember(#ranking, true)
end

-- The feasible line once an item of `weeks` is put in at `rank`, above
-- the first item over (which stays over: its running demand only grows),
-- from the remembered `runs` (down to `line`): the rank before the first
-- where a skill of the item goes past its supply (`rank - 1` if the item
-- itself does), or nil if none does down to `line`.
local function line_with(runs, supply, line, rank, weeks)
  local first = nil
  for skill, more in next, weeks do
    local limit = supply[skill] or 0
    local run, at = runs[skill], nil
    local above = run and rank > 1 and run[rank - 1] or 0
    if above + more - limit > EPSILON then
      at = rank - 1
    elseif run ~= nil then
      -- (What was at that rank is one lower now: the line is above it.)
      at = first_past(run, rank, line, more, limit)
    end
    if at ~= nil and (first == nil or at < first) then
      first = at
    end
  end
  return first
end

-- Remembers `line` as the feasible line of `kept`, the rank after it the
-- first item over: its runs end at the line, its memos at that item.
local function over_at(kept, line)
  kept.all, kept.line = false, line
  for _, run in next, kept.runs do
    for rank = #run, line + 1, -1 do
      run[rank] = nil
    end
  end
  for rank = #kept.memos, line + 2, -1 do
    kept.memos[rank] = nil
  end
end

-- The remembered feasible line (`kept`, its ranks still the plan's) with
-- another supply: the demand walked is the same, so the line moves up to
-- before the first rank where a skill is past its new supply, if there is
-- one above it; otherwise the next look walks on from the first item over.
-- False (walk again) for a supply below 0, which only weeks set by hand
-- at the console can give.
function resupplied(kept, supply)
  for _, weeks in next, supply do
    if weeks < 0 then
      return false -- (the zeros remembered above a skill's first item would count as over)
    end
  end
  local line, new_line = kept.line, nil
  for skill, run in next, kept.runs do
    local past = first_past(run, 1, line, 0, supply[skill] or 0)
    if past ~= nil and (new_line == nil or past - 1 < new_line) then
      new_line = past - 1
    end
  end
  kept.supply = supply
  if new_line ~= nil then
    over_at(kept, new_line)
    kept.resume = false
  else
    kept.resume = kept.resume or not kept.all
  end
  return true
end

-- Keeps the remembered feasible line (`kept`) up to date as the item
-- `item` moves from rank `from` (nil: unranked) to rank `to`, before the
-- ranking changes, where that costs less than a walk: a move from below
-- the ranks walked into them (a pull to the top), and a move within the
-- ranks above the line. Returns what is kept now, or nil when the next
-- `feasible` is to walk (a move from above the line to below it, where
-- the line can only go down, say).
local function feasible_moved(kept, item, from, to)
  if kept.resume then
    return nil -- (the line is to be found again first)
  end
  local memos, runs, line = kept.memos, kept.runs, kept.line
  local walked = #memos
  local entries = item.estimates
  local weeks = estimates.totals(entries)
  local below = from == nil or from > walked -- not among the ranks walked
  local count = kept.count + (from == nil and 1 or 0)
  if below and not kept.all and to > walked then
    kept.count = count -- at or below the first item over: nothing walked changes
    return kept
  elseif below then
    local over = line_with(runs, kept.supply, line, to, weeks)
    -- Each skill's running demand from `to` on: one rank lower, plus the
    -- item's weeks.
    for skill, run in next, runs do
      local more = weeks[skill] or 0
      table.insert(run, to, (to > 1 and run[to - 1] or 0) + more)
      if more ~= 0 then
        for rank = to + 1, line + 1 do
          run[rank] = run[rank] + more
        end
      end
    end
    for skill, more in next, weeks do
      if runs[skill] == nil then
        local run = {}
        for rank = 1, line + 1 do
          run[rank] = rank < to and 0 or more
        end
        runs[skill] = run
      end
    end
    table.insert(memos, to, entries.memo)
    kept.count = count
    if over == nil and kept.all then
      kept.line = count
      return kept
    end
    -- (The first item over before the move, one lower, is over still.)
    over_at(kept, over or line + 1)
    return kept
  elseif from ~= nil and from <= line and to <= line and memos[from] == entries.memo then
    -- Within the ranks above the line, every rank is short of nothing
    -- still (moved up, the item adds to ranks that were at most where it
    -- was; moved down, it leaves them). Only the ranks between the two
    -- change.
    for skill, run in next, runs do
      local more = weeks[skill] or 0
      if to < from then
        for rank = from, to + 1, -1 do
          run[rank] = run[rank - 1] + more
        end
        run[to] = (to > 1 and run[to - 1] or 0) + more
      else
        for rank = from, to - 1 do
          run[rank] = run[rank + 1] - more
        end
      end
    end
    table.remove(memos, from)
    table.insert(memos, to, entries.memo)
    return kept
  end
  return nil
end

-- Keeps the remembered feasible line (`kept`) up to date as the estimates
-- of `item`, at `rank` (nil: unranked), change from `old` weeks (their
-- memo `old_memo`) to what they are now: a skill that grew can only move
-- the line up, to before the first rank where it goes past its supply; a
-- skill that went down can only move it down, which the next `feasible`
-- finds by walking on from the first item over (`resume`). Returns what
-- is kept now, or nil when the next `feasible` is to walk.
local function feasible_estimated(kept, item, rank, old_memo, old)
  local memos, runs, line = kept.memos, kept.runs, kept.line
  if rank == nil or rank > #memos then
    return kept -- below the first item over: nothing walked changes
  end
  local entries = item.estimates
  local weeks = estimates.totals(entries)
  if memos[rank] ~= old_memo then
    return nil
  end
  local shrank = false
  for skill, was in next, old do
    local now = weeks[skill] or 0
    if now < was then
      shrank = true
      if rank <= line then
        local run = runs[skill]
        for below = rank, line do
          run[below] = run[below] + (now - was)
        end
      end
    end
  end
  memos[rank] = entries.memo
  -- (An item whose estimates went down may leave the first item over no
  -- longer over: the next look walks on from there, `Plan:feasible`.)
  kept.resume = kept.resume or (shrank and not kept.all)
  if rank > line then
    return kept -- the first item over
  end
  local new_line = nil
  for skill, now in next, weeks do
    local grew, run = now - (old[skill] or 0), runs[skill]
    if grew > 0 then
      if run == nil then
        run = {}
        for above = 1, line do
          run[above] = 0
        end
        runs[skill] = run
      end
      local past = first_past(run, rank, line, grew, kept.supply[skill] or 0)
      if past ~= nil and (new_line == nil or past - 1 < new_line) then
        new_line = past - 1
      end
      for below = rank, line do
        run[below] = run[below] + grew
      end
    end
  end
  if new_line ~= nil then
    over_at(kept, new_line)
    kept.resume = false
  end
  return kept
end

-- Everything the data files say that the plan cannot use.
function Plan:problems()
  local found = {}
  for _, item in ipairs(self.work.items) do
    for _, text in ipairs(work.problems(item)) do
      found[#found + 1] = { kind = "work", id = item.id, name = item.name, text = text }
    end
  end
  for _, item in ipairs(self:unranked()) do
    found[#found + 1] = { kind = "work", id = item.id, name = item.name,
      text = "not ranked in plan " .. self.plan.name }
  end
  for _, person in ipairs(self.people.list) do
    for _, text in ipairs(people.problems(person)) do
      found[#found + 1] = { kind = "person", id = person.id, name = person.name, text = text }
    end
  end
  return found
end

-- Items with no triage value, in rank order.
function Plan:untriaged()
  local list = {}
  for _, item in ipairs(self:ranked()) do
    if work.triage(item) == nil then
      list[#list + 1] = item
    end
  end
  return list
end

-- Edits ---------------------------------------------------------------------
--
-- What the commands are given is checked before anything changes. A
-- value typed without quotes (`est(3, "Native", M)`) arrives as nil:
-- nil and "" are errors, never a removal; "-" removes (an estimate, a
-- tag, the explicit triage, a skill). Names and values are trimmed.

-- "forgot the quotes? " when `value` is nil, for the hints below.
local function quotes(value)
  return value == nil and "forgot the quotes? " or ""
end

-- `value` trimmed if it is text.
local function trimmed(value)
  return type(value) == "string" and tsv.trim(value) or value
end

-- An error for a tag that should not be saved: no key, text that
-- `tsv.text_problem` refuses (checked in the tag as written, spaces
-- around its `:` too), quoted escaped, or no value.
local function check_tags(tags)
  for _, tag in ipairs(tags) do
    local problem = tsv.text_problem(tag.raw)
    if problem then
      error("bad tag '" .. tsv.escaped(tag.raw) .. "': a tag cannot hold " .. problem, 0)
    elseif tag.key == "" then
      error("bad tag '" .. tsv.escaped(tag.raw) .. "': no key", 0)
    elseif tag.value == nil or tag.value == "" then
      error("tag '" .. tsv.escaped(tag.raw) .. "' has no value (write key:value, e.g. "
        .. "track:Growth)", 0)
    end
  end
end

-- An error if two entries of `entries` (typed in one list) name the same
-- key: only the first would count. `what` is "skill" or "tag".
local function check_once(entries, what)
  local seen = {}
  for _, entry in ipairs(entries) do
    local first = seen[entry.key]
    if first then
      error(what .. " " .. tsv.escaped(entry.key) .. " is given twice ('" .. tsv.escaped(first)
        .. "', '" .. tsv.escaped(entry.raw) .. "'): give each " .. what .. " once", 0)
    end
    seen[entry.key] = entry.raw
  end
end

-- A checked list typed with spaces (`Native: M, Web :S`) as the plan
-- writes it (`Native:M,Web:S`), as `est` and `tag` store their values.
local function tidy(entries)
  local texts = {}
  for i, entry in ipairs(entries) do
    texts[i] = entry.key .. ":" .. entry.value
  end
  return table.concat(texts, ",")
end

-- Adds a work item ranked last; returns its id.
function Plan:add(name, estimate_text, tag_text)
  name = work.check_name(name)
  if estimate_text ~= nil and type(estimate_text) ~= "string" then
    error("estimates are text, e.g. \"Native:L,Web:M\"", 0)
  end
  if tag_text ~= nil and type(tag_text) ~= "string" then
    error("tags are text, e.g. \"track:Payments,ProdTriage:2\"", 0)
  end
  local item = work.new(work.next_id(self.work), name, estimate_text, tag_text)
  local problems = estimates.problems(item.estimates)
  if #problems > 0 then
    error("bad estimate '" .. tsv.escaped(problems[1].text) .. "': " .. problems[1].reason .. " ("
      .. estimates.HELP .. ")", 0)
  end
  check_once(item.estimates, "skill")
  check_tags(item.tags)
  check_once(item.tags, "tag")
  for _, tag in ipairs(item.tags) do
    work.check_triage_tag(tag.key, tag.value)
  end
  self:check_skills(keys(item.estimates))
  check_tag_keys(keys(item.tags), self.work.items)
  check_tracks(self, item.tags, { self.work.items, self.people.list })
  item.estimates = estimates.parse(tidy(item.estimates))
  item.tags = kvlist.parse(tidy(item.tags))
  self.work.items[#self.work.items + 1] = item
  self.work.by_id[item.id] = item
  self.plan.ranking[#self.plan.ranking + 1] = item.id
  return item.id
end

-- Sets sizes: `estimate(id, "Native", "2L", "Web", "M")`; a size of "-"
-- removes that skill's estimate. Checks every pair before changing.
-- Returns the item and the skills given a size.
function Plan:estimate(id, ...)
  local item = self:item(id)
  local n = select("#", ...)
  if n == 0 or n % 2 ~= 0 then
    error("give skill and size pairs, e.g. \"Native\", \"2L\", \"Web\", \"M\"", 0)
  end
  local args, whose, skills, sized = { ... }, label(item), {}, {}
  for i = 1, n, 2 do
    local skill, size = trimmed(args[i]), trimmed(args[i + 1])
    if skill == nil then
      error("no skill for " .. whose .. " (forgot the quotes? e.g. \"Native\")", 0)
    elseif not estimates.valid_skill(skill) then
      error("bad skill " .. typed(skill) .. " for " .. whose .. " (" .. estimates.SKILL_HELP
        .. ")", 0)
    elseif size == nil or size == "" then
      error("no size for " .. skill .. " in " .. whose .. " (" .. quotes(size)
        .. "\"-\" removes it)", 0)
    elseif size ~= "-" and estimates.weeks(size) == nil then
      error(estimates.bad_size(size, skill, whose), 0)
    end
    args[i], args[i + 1] = skill, size
    skills[#skills + 1] = skill
  end
  self:check_skills(skills)
  local kept = self.kept_feasible
  local old_weeks = estimates.totals(item.estimates)
  local old_memo = item.estimates.memo
  for i = 1, n, 2 do
    if args[i + 1] == "-" then
      estimates.set(item.estimates, args[i], nil)
    else
      estimates.set(item.estimates, args[i], args[i + 1])
      sized[#sized + 1] = args[i]
    end
  end
  if kept then
    self.kept_feasible =
      feasible_estimated(kept, item, self:rank_of(item.id), old_memo, old_weeks)
  end
  return item, sized
end

-- Sets the explicit triage (`Triage`), or removes it ("-") so that the
-- group values count again. (A removal by mistake would go unseen: the
-- merged triage printed after it is often a group's.) Returns the item
-- and, for "-", whether it had an explicit triage.
function Plan:set_triage(id, level)
  local item = self:item(id)
  level = trimmed(level)
  if level == "-" then
    local had = kvlist.has(item.tags, work.TRIAGE)
    work.set_triage(item, nil)
    return item, had
  elseif level == nil or level == "" then
    error("no triage level for " .. label(item) .. " (" .. work.LEVEL_HELP
      .. "; \"-\" removes the explicit one)", 0)
  end
  work.set_triage(item, level, label(item))
  return item
end

-- Sets tag `key` to `value` (text, or a number as its text), or removes
-- it ("-").
function Plan:set_tag(id, key, value)
  local item = self:item(id)
  local whose = label(item)
  key = trimmed(key)
  if type(key) ~= "string" or key == "" then
    error("bad tag key " .. typed(key) .. " for " .. whose .. " (" .. quotes(key)
      .. "e.g. \"track\")", 0)
  end
  local text = value ~= nil and tsv.trim(tostring(value)) or nil
  if text == nil or text == "" then
    error("no value for tag " .. tsv.escaped(key) .. " of " .. whose .. " (" .. quotes(value)
      .. "\"-\" removes the tag)", 0)
  elseif text == "-" then
    text = nil
  end
  local problem = tsv.text_problem(key) or text ~= nil and tsv.text_problem(text)
  if problem then
    error("bad tag '" .. tsv.escaped(key) .. ":" .. tsv.escaped(tostring(text))
      .. "': a tag cannot hold " .. problem, 0)
  end
  if not kvlist.plain(key) or (text ~= nil and not kvlist.plain(text)) then
    error("bad tag '" .. tsv.escaped(key) .. ":" .. tsv.escaped(text) .. "' for " .. whose
      .. ": a tag's key and value cannot hold ',' or ':'", 0)
  end
  check_tag_keys({ key }, self.work.items)
  check_tracks(self, { { key = key, value = text } }, { self.work.items, self.people.list })
  if text ~= nil then
    work.check_triage_tag(key, text)
  end
  kvlist.set(item.tags, key, text)
  return item
end

function Plan:rename(id, name)
  local item = self:item(id)
  item.name = work.check_name(name)
  return item
end

-- Moves item `id` to rank `to` (1 .. count); an unranked item is inserted
-- there. Returns the old rank (nil if it was unranked) and the new one.
function Plan:move(id, to)
  local item = self:item(id)
  local ranking = self.plan.ranking
  local from = self:rank_of(item.id)
  local last = from and #ranking or #ranking + 1
  if to == nil then
    error("give the rank to move it to, 1.." .. last, 0)
  end
  local rank = whole(to, "rank", "1.." .. last)
  if rank < 1 or rank > last then
    error(label(item) .. " cannot go to rank " .. typed(to) .. " (ranks 1.." .. last .. ")", 0)
  end
  if self.kept_feasible then
    self.kept_feasible = feasible_moved(self.kept_feasible, item, from, rank)
  end
  if from then
    table.remove(ranking, from)
  end
  table.insert(ranking, rank, item.id)
  return from, rank
end

-- Item `id`'s id, its rank and the number of places `n` (default 1) it
-- is to move for `up` and `down`; a number too large for an integer
-- counts as math.maxinteger.
local function places(self, id, n)
  local item = self:item(id)
  local steps = num.whole(n == nil and 1 or n)
  if not steps or steps < 0 then
    error("bad number of places '" .. tsv.escaped(n) .. "' for " .. label(item)
      .. " (a whole number, 0 or more)", 0)
  end
  local from = self:rank_of(item.id)
  if not from then
    error("work item " .. item.id .. " is not ranked (use rank(id, pos))", 0)
  end
  return item.id, from, steps
end

-- Moves `id` up (towards rank 1) by `n` places, stopping at the top.
function Plan:up(id, n)
  local item_id, from, steps = places(self, id, n)
  return self:move(item_id, steps < from and from - steps or 1)
end

-- Moves `id` down by `n` places, stopping at the last rank. (The places
-- are compared with the distance to it: `from + steps` would overflow
-- for math.maxinteger.)
function Plan:down(id, n)
  local item_id, from, steps = places(self, id, n)
  local last = #self.plan.ranking
  return self:move(item_id, steps < last - from and from + steps or last)
end

-- Sets the cutline (0 commits nothing); returns the old one.
function Plan:cut(n)
  local count = #self.plan.ranking
  if n == nil then
    error("give the rank of the cutline, 0.." .. count, 0)
  end
  local line = whole(n, "cutline", "0.." .. count)
  if line < 0 or line > count then
    error("cutline " .. typed(n) .. " is out of range 0.." .. count, 0)
  end
  local old = self.plan.cutline
  self.plan.cutline = line
  return old
end

-- Takes item `id` out of the ranking; it stays a work item (`report`
-- lists it as unranked, `move` ranks it again). An item at or above the
-- cutline takes the cutline up one rank with it, so the items committed
-- stay the same but for it. Returns the item, its old rank and the old
-- cutline.
function Plan:unrank(id)
  local item = self:item(id)
  local rank = self:rank_of(item.id)
  if not rank then
    error(label(item) .. " is not ranked", 0)
  end
  local cutline = self.plan.cutline
  table.remove(self.plan.ranking, rank)
  if rank <= cutline then
    self.plan.cutline = cutline - 1
  end
  return item, rank, cutline
end

-- Takes `record` out of `list`, the records of `set` (the work items or
-- the people), and notes its id as the highest taken out if it is (ids
-- go on from there: `work.next_id`, `people.next_id`). The index by id is
-- built again rather than cleared at one id: a piccolo table whose keys
-- were removed can fail to grow (docs/LUA.md). The first record of an id
-- wins, as when loading.
local function take_out(set, list, record)
  for i = 1, #list do
    if list[i] == record then
      table.remove(list, i)
      break
    end
  end
  set.removed_top = math.max(set.removed_top or 0, record.id)
  local by_id = {}
  for _, other in ipairs(list) do
    by_id[other.id] = by_id[other.id] or other
  end
  set.by_id = by_id
end

-- Deletes work item `id`: out of the ranking (the cutline as `unrank`
-- moves it) and out of the work items. Returns the item, its old rank
-- (nil if it was not ranked) and the old cutline.
function Plan:remove(id)
  local item = self:item(id)
  local rank, cutline = self:rank_of(item.id), self.plan.cutline
  if rank then
    self:unrank(item.id)
  end
  take_out(self.work, self.work.items, item)
  return item, rank, cutline
end

-- Adds a person; returns the id and the skills new to the plan. A
-- person may work part time (`hire` says so); fractions adding up to
-- more than 1 are refused, as a hire gives them all at once (`assign`,
-- one skill at a time, allows any sum on the way and says so).
function Plan:hire(name, skills_text, tags_text)
  name = work.check_name(name, "a person")
  if type(skills_text) ~= "string" then
    error("skills are text, e.g. \"Web:0.5,QA:0.5\"", 0)
  end
  if tags_text ~= nil and type(tags_text) ~= "string" then
    error("tags are text, e.g. \"track:Payments\"", 0)
  end
  local person = people.new(people.next_id(self.people), name, skills_text, tags_text)
  check_tags(person.tags)
  check_once(person.tags, "tag")
  local problems = people.entry_problems(person)
  if #problems > 0 then
    error(name .. ": " .. problems[1], 0)
  elseif #person.skills == 0 then
    error(name .. ": no skills (e.g. \"Web:0.5,QA:0.5\")", 0)
  end
  check_once(person.skills, "skill")
  local total = people.total(person)
  if total > 1 + people.TOLERANCE then
    error(name .. ": skills add up to " .. num.text(total) .. ", more than 1 (fractions of "
      .. "their time)", 0)
  end
  local new = self:check_skills(keys(person.skills))
  check_tag_keys(keys(person.tags), self.people.list)
  check_tracks(self, person.tags, { self.work.items, self.people.list })
  person.skills = kvlist.parse(tidy(person.skills))
  person.tags = kvlist.parse(tidy(person.tags))
  self.people.list[#self.people.list + 1] = person
  self.people.by_id[person.id] = person
  return person.id, new
end

-- Takes person `pid` off the team (their supply with them); returns them.
-- Their id is not given to the next person hired (`people.next_id`).
function Plan:leave(pid)
  local person = self:person(pid)
  take_out(self.people, self.people.list, person)
  return person
end

-- Sets fractions: `assign(pid, "Web", 0.5, "QA", 0.5)`; 0 or "-" removes
-- a skill. Returns the person and the skills new to the plan.
function Plan:assign(pid, ...)
  local person = self:person(pid)
  local n = select("#", ...)
  if n == 0 or n % 2 ~= 0 then
    error("give skill and fraction pairs, e.g. \"Web\", 0.5, \"QA\", 0.5", 0)
  end
  local args, whose, skills = { ... }, label(person), {}
  for i = 1, n, 2 do
    local skill, share = trimmed(args[i]), trimmed(args[i + 1])
    if skill == nil then
      error("no skill for " .. whose .. " (forgot the quotes? e.g. \"Web\")", 0)
    elseif not estimates.valid_skill(skill) then
      error("bad skill " .. typed(skill) .. " for " .. whose .. " (" .. estimates.SKILL_HELP
        .. ")", 0)
    elseif share == nil or share == "" then
      error("no fraction for " .. skill .. " of " .. whose .. " (0 to 1; 0 or \"-\" "
        .. "removes it)", 0)
    end
    args[i], args[i + 1] = skill, share == "-" and 0 or share
    skills[#skills + 1] = skill
  end
  local new = self:check_skills(skills)
  local copy = people.new(person.id, person.name, kvlist.format(person.skills), "")
  for i = 1, n, 2 do
    people.set_skill(copy, args[i], args[i + 1], whose)
  end
  for i = 1, n, 2 do
    people.set_skill(person, args[i], args[i + 1])
  end
  return person, new
end

return Plan
