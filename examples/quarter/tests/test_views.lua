-- The view tables, in the shapes of guest-sdk's model.rs: WorkView
-- (`work`, `chart`), TracksView (`tracks`), StaffView (`staff`).

local check = require("tests.lib.check")
local Plan = require("lib.plan")
local views = require("lib.views")

local t = check.suite("test_views")

local plan = Plan.load(".")
local SKILLS = { "Native", "Web", "Apps", "Server", "QA" }

-- Whether `value` converts to JSON as the host does: no functions, and
-- every table either a sequence (an array) or string-keyed (an object).
local function json_path(value, path)
  local kind = type(value)
  if kind == "function" or kind == "userdata" or kind == "thread" then
    return path .. ": a " .. kind
  end
  if kind == "number" and value ~= value then
    return path .. ": NaN"
  end
  if kind ~= "table" then
    return nil
  end
  local count, strings = 0, 0
  for key in pairs(value) do
    count = count + 1
    if type(key) == "string" then
      strings = strings + 1
    end
  end
  if count ~= #value and strings ~= count then
    return path .. ": mixed keys"
  end
  for key, item in pairs(value) do
    local problem = json_path(item, path .. "." .. tostring(key))
    if problem then
      return problem
    end
  end
  return nil
end

local function is_map_of_numbers(map, label)
  check.eq(type(map), "table", label)
  for key, value in pairs(map) do
    check.eq(type(key), "string", label .. " key")
    check.eq(type(value), "number", label .. "." .. key)
  end
end

local function check_plan_info(info)
  check.eq(info, { name = "2026Q1", weeks = 13, cutline = 42, feasible_line = 32 })
end

-- `with_running`: the item carries its running demand (the chart's items).
local function check_item(item, label, with_running)
  check.eq(math.type(item.id), "integer", label .. " id")
  check.eq(type(item.name), "string", label .. " name")
  check.eq(math.type(item.rank), "integer", label .. " rank")
  is_map_of_numbers(item.estimates, label .. " estimates")
  if with_running then
    is_map_of_numbers(item.running, label .. " running")
  else
    check.eq(item.running, nil, label .. " running")
  end
  check.truthy(item.track == nil or type(item.track) == "string", label .. " track")
  check.truthy(item.triage == nil or type(item.triage) == "number", label .. " triage")
  check.eq(type(item.short), "table", label .. " short")
  for i, short in ipairs(item.short) do
    check.eq(type(short.skill), "string", label .. " short skill " .. i)
    check.eq(type(short.weeks), "number", label .. " short weeks " .. i)
  end
end

t.case("every view converts to JSON", function()
  for _, name in ipairs(views.NAMES) do
    check.eq(json_path(views[name](plan), name), nil, name)
  end
end)

t.case("work: plan, skills in display order, supply", function()
  local view = views.work(plan)
  check_plan_info(view.plan)
  check.eq(view.skills, SKILLS)
  check.eq(view.supply, { Native = 101.4, Web = 97.5, Apps = 39, Server = 93.6, QA = 58.5 })
end)

t.case("work: items in rank order with numbers as numbers", function()
  local view = views.work(plan)
  check.eq(#view.items, 60)
  for rank, item in ipairs(view.items) do
    check.eq(item.rank, rank)
    check_item(item, "item " .. rank)
  end
  check.eq(view.items[1], {
    id = 1, name = "Apple Pay and Google Pay at checkout", rank = 1,
    estimates = { Native = 4, Web = 2, Server = 2, QA = 2 },
    track = "Payments", triage = 1, short = {},
  })
end)

t.case("work: short items between the feasible line and the cutline", function()
  local view = views.work(plan)
  for _, item in ipairs(view.items) do
    check.eq(#item.short > 0, item.rank > 32 and item.rank <= 42, "rank " .. item.rank)
  end
  check.eq(view.items[42].short, { { skill = "Server", weeks = 12.4 }, { skill = "QA", weeks = 0.5 } })
end)

t.case("work: unparsable estimates count 0 and are listed", function()
  local item = views.work(plan).items[29]
  check.eq(item.id, 14)
  check.eq(item.estimates, { Native = 0, Server = 2, QA = 2 })
  check.eq(item.unparsed, { "Native:XL" })
  check.eq(views.work(plan).items[1].unparsed, nil)
  local p = Plan.load(".")
  p:estimate(14, "Native", "L")
  check.eq(views.work(p).items[29].unparsed, nil, "fixed from the console")
  check.eq(views.work(p).items[29].estimates, { Native = 3, Server = 2, QA = 2 })
end)

t.case("work: weeks that are not whole are rounded in the view, not in the plan", function()
  local p = Plan.load(".")
  local item = p:item(1)
  item.estimates[1].weeks = 4.333 -- no size gives this (set before anything counted the list)
  local view = views.chart(p)
  check.eq(view.items[1].estimates, { Native = 4.33, Web = 2, Server = 2, QA = 2 })
  check.eq(view.items[1].running, { Native = 4.33, Web = 2, Server = 2, QA = 2 })
  check.eq(p:analyze().weeks[1].Native, 4.333)
end)

t.case("chart: supply and each item's running demand", function()
  local view = views.chart(plan)
  check_plan_info(view.plan)
  check.eq(view.supply.Server, 93.6)
  check.eq(view.items[42].running, { Native = 67, Web = 66, Apps = 25, Server = 106, QA = 59 })
  for rank, item in ipairs(view.items) do
    check_item(item, "chart item " .. rank, true)
  end
end)

t.case("tracks: alphabetical, untracked work last", function()
  local view = views.tracks(plan)
  check_plan_info(view.plan)
  check.eq(view.skills, SKILLS)
  local names = {}
  for i, track in ipairs(view.tracks) do
    names[i] = track.name
  end
  check.eq(names, { "Growth", "Onboarding", "Payments", "Platform", "(none)" })
end)

t.case("tracks: committed demand adds up to the plan's", function()
  local view = views.tracks(plan)
  local total, count, items = {}, 0, 0
  for _, track in ipairs(view.tracks) do
    is_map_of_numbers(track.demand, track.name)
    for skill, weeks in pairs(track.demand) do
      total[skill] = (total[skill] or 0) + weeks
    end
    local from_levels = {}
    for _, group in ipairs(track.triage) do
      check.eq(math.type(group.count), "integer")
      count = count + group.count
      for skill, weeks in pairs(group.demand) do
        from_levels[skill] = (from_levels[skill] or 0) + weeks
      end
    end
    check.eq(from_levels, track.demand, track.name .. " levels")
    local last = 0
    for _, item in ipairs(track.items) do
      check_item(item, track.name)
      check.truthy(item.rank > last, track.name .. " items in rank order")
      last = item.rank
      items = items + 1
    end
  end
  check.eq(total, { Native = 67, Web = 66, Apps = 25, Server = 106, QA = 59 })
  check.eq(count, 42, "committed items")
  check.eq(items, 60, "every item once")
end)

t.case("tracks: unparsable estimates count 0 and are listed, as in the work view", function()
  local view = views.tracks(plan)
  local listed = {}
  for _, track in ipairs(view.tracks) do
    for _, item in ipairs(track.items) do
      if item.unparsed then
        listed[#listed + 1] = { track = track.name, id = item.id, unparsed = item.unparsed }
      end
    end
  end
  check.eq(listed, {
    { track = "Growth", id = 59, unparsed = { "QA:3X" } },
    { track = "Payments", id = 14, unparsed = { "Native:XL" } },
    { track = "Platform", id = 55, unparsed = { "Web:?" } },
  })
  local payments = view.tracks[3]
  check.eq(payments.name, "Payments")
  for _, item in ipairs(payments.items) do
    if item.id == 14 then
      check.eq(item.estimates, { Native = 0, Server = 2, QA = 2 })
    end
  end
  -- Item 14 (rank 29, committed) adds nothing to Payments' Native demand:
  -- fixing its estimate adds 3 weeks.
  local p = Plan.load(".")
  p:estimate(14, "Native", "L")
  local fixed = views.tracks(p).tracks[3]
  check.eq(fixed.demand.Native, payments.demand.Native + 3)
  for _, item in ipairs(fixed.items) do
    check.eq(item.unparsed, nil, "item " .. item.id)
  end
end)

t.case("tracks: triage levels most important first, untriaged last", function()
  local view = views.tracks(plan)
  local growth = view.tracks[1]
  local levels = {}
  for i, group in ipairs(growth.triage) do
    levels[i] = group.triage == nil and "none" or group.triage
  end
  check.eq(levels, { 1, 1.5, 2, "none" })
  check.eq(growth.triage[4].count, 0, "untriaged Growth work is not committed")
  local none = view.tracks[5]
  check.eq(#none.items, 1)
  check.eq(none.items[1].track, nil)
end)

t.case("staff: people, supply, committed demand and net", function()
  local view = views.staff(plan)
  check_plan_info(view.plan)
  check.eq(view.skills, SKILLS)
  check.eq(#view.people, 30)
  check.eq(view.people[4], { id = 4, name = "Dara Okafor", skills = { Native = 0.5, QA = 0.5 },
    track = "Payments" })
  for _, person in ipairs(view.people) do
    is_map_of_numbers(person.skills, person.name)
  end
  check.eq(view.supply, { Native = 101.4, Web = 97.5, Apps = 39, Server = 93.6, QA = 58.5 })
  check.eq(view.demand, { Native = 67, Web = 66, Apps = 25, Server = 106, QA = 59 })
  check.eq(view.net, { Native = 34.4, Web = 31.5, Apps = 14, Server = -12.4, QA = -0.5 })
end)

t.case("staff: people's shares add up to the supply", function()
  -- Thirds given to three decimals: rounded shares added up to 75.27
  -- weeks of Native against a supply of 75.4.
  local p = Plan.load(".")
  for pid = 1, 3 do
    p:assign(pid, "Native", 0.333, "QA", 0.667)
  end
  local view = views.staff(p)
  check.eq(view.people[1].skills.Native, 0.333)
  for _, skill in ipairs(SKILLS) do
    local weeks = 0
    for _, person in ipairs(view.people) do
      weeks = weeks + (person.skills[skill] or 0) * view.plan.weeks
    end
    check.near(weeks, view.supply[skill], 0.005, skill)
  end
end)

t.case("views follow edits", function()
  local p = Plan.load(".")
  p:cut(32)
  local view = views.work(p)
  check.eq(view.plan.cutline, 32)
  for _, item in ipairs(view.items) do
    check.eq(item.short, {})
  end
  p:move(42, 1)
  check.eq(views.work(p).items[1].id, 42)
  check.eq(views.staff(p).demand.Server, 88, "rank 31 had 82, item 42 adds 6")
end)

t.case("views the host computes in one round share one analysis", function()
  local saved = planhost
  local round = nil
  planhost = { view_round = function() return round end }
  local ok, problem = pcall(function()
    local p = Plan.load(".")
    check.truthy(views.analysis(p) ~= views.analysis(p), "no round: an analysis each time")
    round = 1
    local shared = views.analysis(p)
    check.truthy(views.analysis(p) == shared, "the same round shares it")
    p:move(p.plan.ranking[60], 1)
    round = 2
    -- (The last round's, made again: the host has sent what it said.)
    local after = views.analysis(p)
    check.truthy(after == shared, "a new round takes the last one up to date")
    check.eq(after.feasible, p:analyze().feasible)
    check.eq(views.work(p).items[1].id, p.plan.ranking[1])
    check.eq(after.items[1].id, p.plan.ranking[1])
    check.eq(after.rows[2].rank, 2)
    round = 3
    local other = views.analysis(Plan.load("."))
    check.truthy(other ~= shared, "another plan has its own")
    check.truthy(views.analysis(p) ~= shared, "and the next round for this one is new")
    -- The chart adds running demand to copies, never to the shared rows.
    check.truthy(views.chart(p).items[1].running ~= nil)
    check.eq(views.work(p).items[1].running, nil)
    check.eq(after.rows[1].running, nil)
    -- A round that fails half way through making the analysis again (an
    -- item's tags taken away by hand, after the move is applied): the next
    -- round does not build on what it left.
    local item = p:item(p.plan.ranking[30])
    local tags = item.tags
    p:move(p.plan.ranking[50], 1)
    item.tags = nil
    round = 4
    check.truthy(not pcall(views.analysis, p), "the round fails")
    item.tags = tags
    round = 5
    local fresh = p:analyze()
    local again = views.analysis(p)
    check.eq(again.feasible, fresh.feasible)
    for rank = 1, #fresh.rows do
      check.eq(again.rows[rank].id, fresh.rows[rank].id, "rank " .. rank)
      check.eq(again.rows[rank].rank, rank)
    end
  end)
  planhost = saved
  assert(ok, problem)
end)

t.done()
