-- The data of the plan's views, in the shapes the built-in renderers read
-- (guest-sdk model.rs): `work` and `chart` (WorkView), `tracks`
-- (TracksView), `staff` (StaffView). Skills come in the plan's display
-- order, items in rank order, numbers stay numbers.

local work = require("lib.work")
local people = require("lib.people")
local estimates = require("lib.estimates")
local num = require("lib.num")

local M = {}

M.NAMES = { "work", "tracks", "staff", "chart" }

-- The plan's analysis. The views the host computes one after another
-- after a change share one (`planhost.view_round()` names that round; it
-- is nil at any other time, and there is no `planhost` under plain Lua),
-- so watching all four views costs one analysis, never an old one. Views
-- only read it.
local shared = {}
function M.analysis(plan)
  local round = planhost and planhost.view_round and planhost.view_round()
  if round == nil then
    return plan:analyze()
  end
  if shared.round ~= round or shared.plan ~= plan then
    shared.round, shared.plan, shared.analysis = round, plan, plan:analyze()
  end
  return shared.analysis
end

-- Work without a track is gathered under this name in the tracks view.
M.NO_TRACK = "(none)"

local function plan_info(plan, analysis)
  return {
    name = plan.plan.name,
    weeks = plan.plan.weeks,
    cutline = plan.plan.cutline,
    feasible_line = analysis.feasible,
  }
end

-- A skill -> weeks map with only the given skills, rounded.
-- (Views run after every change: numeric loops, and integers, which need
-- no rounding, passed as they are.)
local math_type, round = math.type, num.round
local function weeks_map(skills, weeks)
  local map = {}
  for i = 1, #skills do
    local skill = skills[i]
    local value = weeks[skill]
    if value ~= nil then
      map[skill] = math_type(value) == "integer" and value or round(value)
    end
  end
  return map
end

-- A map of the analysis (keys among its skills) as a view sends it: the
-- map itself when every value is an integer, as T-shirt sizes give, else a
-- rounded copy. (Saves building two maps for every row after every change;
-- views only read analyses, and each analysis is built afresh.)
local function analysis_map(skills, weeks)
  for i = 1, #skills do
    local value = weeks[skills[i]]
    if value ~= nil and math_type(value) ~= "integer" then
      return weeks_map(skills, weeks)
    end
  end
  return weeks
end

-- A row of the analysis as views send it, with `running` (its running
-- demand) if given. When the analysis says every estimate is whole
-- (`integral`), its maps go as they are, unchecked; `unparsed` is the
-- analysis' set of items with estimates that could not be parsed.
local track_and_triage = work.track_and_triage
local function item_data(row, skills, integral, unparsed, running)
  local item = row.item
  local track, triage = track_and_triage(item)
  local data = {
    id = item.id,
    name = item.name,
    rank = row.rank,
    estimates = integral and row.weeks or analysis_map(skills, row.weeks),
    track = track,
    triage = triage,
    short = row.short, -- { {skill, weeks}, ... }, as the view model has it
  }
  if running then
    data.running = integral and running or analysis_map(skills, running)
  end
  if unparsed[item] then
    local problems = estimates.problems(item.estimates)
    data.unparsed = {}
    for i, problem in ipairs(problems) do
      data.unparsed[i] = problem.text
    end
  end
  return data
end

-- The ranked list with supply, and each item's running demand if
-- `with_running`.
local function ranked_list(plan, analysis, with_running)
  analysis = analysis or M.analysis(plan)
  local items, rows, skills = {}, analysis.rows, analysis.skills
  local integral, unparsed = analysis.integral, analysis.unparsed
  for rank = 1, #rows do
    local row = rows[rank]
    if row == nil then
      break -- where ipairs would stop
    end
    items[rank] = item_data(row, skills, integral, unparsed,
      with_running and analysis:running(rank))
  end
  return {
    plan = plan_info(plan, analysis),
    skills = analysis.skills,
    supply = weeks_map(analysis.skills, analysis.supply),
    items = items,
  }
end

-- The `work` view: what the table shows, so no running demand per item
-- (a fifth of the view's data, sent after every change).
function M.work(plan, analysis)
  return ranked_list(plan, analysis, false)
end

-- The `chart` view: the same list, with each item's running demand.
function M.chart(plan, analysis)
  return ranked_list(plan, analysis, true)
end

local function add_weeks(into, weeks)
  for skill, n in pairs(weeks) do
    into[skill] = (into[skill] or 0) + n
  end
end

-- Work grouped by track (alphabetical, untracked work last), committed
-- demand per track and per triage level (most important first, untriaged
-- last).
function M.tracks(plan, analysis)
  analysis = analysis or M.analysis(plan)
  local skills, cutline = analysis.skills, analysis.cutline
  local by_name, names = {}, {}
  for _, row in ipairs(analysis.rows) do
    local name = work.track(row.item) or M.NO_TRACK
    local track = by_name[name]
    if not track then
      track = { name = name, demand = {}, levels = {}, items = {} }
      by_name[name] = track
      names[#names + 1] = name
    end
    track.items[#track.items + 1] = item_data(row, skills, analysis.integral, analysis.unparsed,
      nil)
    local level = work.triage(row.item)
    local key = level == nil and "none" or num.text(level)
    local group = track.levels[key]
    if not group then
      group = { triage = level, demand = {}, count = 0 }
      track.levels[key] = group
    end
    if row.rank <= cutline then
      add_weeks(track.demand, row.weeks)
      add_weeks(group.demand, row.weeks)
      group.count = group.count + 1
    end
  end
  table.sort(names, function(a, b)
    if (a == M.NO_TRACK) ~= (b == M.NO_TRACK) then
      return b == M.NO_TRACK
    end
    return a < b
  end)
  local tracks = {}
  for i, name in ipairs(names) do
    local track = by_name[name]
    local groups = {}
    for _, group in pairs(track.levels) do
      groups[#groups + 1] = group
    end
    table.sort(groups, function(a, b)
      if a.triage == nil or b.triage == nil then
        return b.triage == nil and a.triage ~= nil
      end
      return a.triage < b.triage
    end)
    for g, group in ipairs(groups) do
      groups[g] = { triage = group.triage, demand = weeks_map(skills, group.demand),
        count = group.count }
    end
    tracks[i] = { name = name, demand = weeks_map(skills, track.demand), triage = groups,
      items = track.items }
  end
  return { plan = plan_info(plan, analysis), skills = skills, tracks = tracks }
end

-- People and their skills, supply against committed demand (plus the
-- net left per skill, which renderers may compute themselves).
function M.staff(plan, analysis)
  analysis = analysis or M.analysis(plan)
  local skills = analysis.skills
  local list = {}
  for i, person in ipairs(plan.people.list) do
    local fractions = people.fractions(person)
    local shares = {}
    for _, skill in ipairs(skills) do
      if fractions[skill] and fractions[skill] > 0 then
        shares[skill] = num.round(fractions[skill])
      end
    end
    list[i] = { id = person.id, name = person.name, skills = shares,
      track = people.track(person) }
  end
  local supply = weeks_map(skills, analysis.supply)
  local demand = weeks_map(skills, analysis.demand)
  local net = {}
  for _, skill in ipairs(skills) do
    net[skill] = num.round((supply[skill] or 0) - (demand[skill] or 0))
  end
  return { plan = plan_info(plan, analysis), skills = skills, people = list,
    supply = supply, demand = demand, net = net }
end

return M
