-- The data of the plan's views, in the shapes the built-in renderers read
-- (guest-sdk model.rs): `work` and `chart` (WorkView), `tracks`
-- (TracksView), `staff` (StaffView). Skills come in the plan's display
-- order, items in rank order, numbers stay numbers.

local people = require("lib.people")
local num = require("lib.num")

local M = {}

M.NAMES = { "work", "tracks", "staff", "chart" }

-- The plan's analysis. The views the host computes one after another
-- after a change share one (`planhost.view_round()` names that round; it
-- is nil at any other time, and there is no `planhost` under plain Lua),
-- so watching all four views costs one analysis, never an old one. Views
-- only read it. Each round's is made from the last one's
-- (`Plan:analyze_again`), which the host has turned into JSON by then;
-- at any other time an analysis is new.
local shared = {}
function M.analysis(plan)
  local round = planhost and planhost.view_round and planhost.view_round()
  if round == nil then
    return plan:analyze()
  end
  if shared.round ~= round or shared.plan ~= plan then
    local last = shared.plan == plan and shared.analysis or nil
    -- (Forgotten first: an error halfway leaves it half changed. False,
    -- not nil: piccolo 0.3.3 can fail to grow a table whose keys were
    -- removed, docs/LUA.md.)
    shared.round, shared.plan, shared.analysis = false, false, false
    local analysis = plan:analyze_again(last)
    shared.round, shared.plan, shared.analysis = round, plan, analysis
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

local rounded, shown = num.rounded, num.shown

-- The work view: the analysis' rows as they are (they are built in the
-- shape the table renderer reads), without running demand per item (a
-- fifth of the view's data, sent after every change).
function M.work(plan, analysis)
  analysis = analysis or M.analysis(plan)
  return {
    plan = plan_info(plan, analysis),
    skills = analysis.skills,
    supply = rounded(analysis.skills, analysis.supply),
    items = analysis.rows,
  }
end

-- The `chart` view: the same list, each item with its running demand.
function M.chart(plan, analysis)
  analysis = analysis or M.analysis(plan)
  local skills, rows, integral, items = analysis.skills, analysis.rows, analysis.integral, {}
  for rank = 1, #rows do
    local item = {}
    for key, value in next, rows[rank] do
      item[key] = value
    end
    local running = analysis:running(rank)
    item.running = integral and running or shown(skills, running)
    items[rank] = item
  end
  return {
    plan = plan_info(plan, analysis),
    skills = skills,
    supply = rounded(skills, analysis.supply),
    items = items,
  }
end

local function add_weeks(into, weeks)
  for skill, n in pairs(weeks) do
    into[skill] = (into[skill] or 0) + n
  end
end

-- Work grouped by track (alphabetical, untracked work last), committed
-- demand per track and per triage level (most important first, untriaged
-- last). Each track's items are the analysis' rows, as the work view
-- sends them: an item's unparsable estimates are in its `unparsed` (they
-- count 0 weeks in the demand) for the renderer to show.
function M.tracks(plan, analysis)
  analysis = analysis or M.analysis(plan)
  local skills, cutline = analysis.skills, analysis.cutline
  local by_name, names = {}, {}
  for rank, row in ipairs(analysis.rows) do
    local name = row.track or M.NO_TRACK
    local track = by_name[name]
    if not track then
      track = { name = name, demand = {}, levels = {}, items = {} }
      by_name[name] = track
      names[#names + 1] = name
    end
    track.items[#track.items + 1] = row
    local level = row.triage
    local key = level == nil and "none" or num.text(level)
    local group = track.levels[key]
    if not group then
      group = { triage = level, demand = {}, count = 0 }
      track.levels[key] = group
    end
    if rank <= cutline then
      local weeks = analysis.weeks[rank]
      add_weeks(track.demand, weeks)
      add_weeks(group.demand, weeks)
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
      groups[g] = { triage = group.triage, demand = rounded(skills, group.demand),
        count = group.count }
    end
    tracks[i] = { name = name, demand = rounded(skills, track.demand), triage = groups,
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
      -- As given: the renderer rounds what it shows, and its totals of
      -- rounded shares would not add up to the supply.
      if fractions[skill] and fractions[skill] > 0 then
        shares[skill] = fractions[skill]
      end
    end
    list[i] = { id = person.id, name = person.name, skills = shares,
      track = people.track(person) }
  end
  local supply = rounded(skills, analysis.supply)
  local demand = rounded(skills, analysis.demand)
  local net = {}
  for _, skill in ipairs(skills) do
    net[skill] = num.round((supply[skill] or 0) - (demand[skill] or 0))
  end
  return { plan = plan_info(plan, analysis), skills = skills, people = list,
    supply = supply, demand = demand, net = net }
end

return M
