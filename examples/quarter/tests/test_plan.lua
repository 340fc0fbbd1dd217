-- The plan's logic: supply, triage, running demand, the feasible line,
-- the items short of staff, and the edits a planning meeting makes.

local check = require("tests.lib.check")
local Plan = require("lib.plan")
local work = require("lib.work")
local people = require("lib.people")
local kvlist = require("lib.kvlist")
local estimates = require("lib.estimates")

local t = check.suite("test_plan")

-- A small plan: 2 people over 10 weeks, 5 ranked items.
local function small(cutline)
  return Plan.from_texts({
    work = table.concat({
      "ID\tName\tEstimate\tTags", "-----",
      "1\tLogin\tWeb:M,QA:S\tProdTriage:1,track:Core",
      "2\tSearch\tWeb:2L\tProdTriage:2,EngTriage:1.5,track:Core",
      "3\tExport\tWeb:M,QA:M\tTriage:2,ProdTriage:1,track:Data",
      "4\tSharing\tWeb:S,QA:2L\ttrack:Data",
      "5\tThemes\tWeb:S,Native:S\t",
      "6\tLater\tWeb:Q\t",
      "",
    }, "\n"),
    people = "ID\tName\tSkills\tTags\n-----\n1\tAnn\tWeb:1\t\n2\tBo\tWeb:0.5,QA:0.5\t\n",
    plan = "ID\tName\tNumWeeks\tTeamID\tCutline\tWorkItems\tTags\n-----\n"
      .. "1\tP\t10\tt\t" .. (cutline or 4) .. "\t1,2,3,4,5\t\n",
  })
end

t.case("supply is fraction x weeks, summed over people", function()
  local p = small()
  check.eq(p:supply(), { Web = 15, QA = 5 })
  check.eq(p:skills(), { "Native", "Web", "QA" })
end)

t.case("running demand walks the ranking", function()
  local a = small():analyze()
  check.eq(a:running(1), { Web = 2, QA = 1 })
  check.eq(a:running(2), { Web = 8, QA = 1 })
  check.eq(a:running(3), { Web = 10, QA = 3 })
  check.eq(a:running(4), { Web = 11, QA = 9 })
  check.eq(a:running(5), { Native = 1, Web = 12, QA = 9 })
  check.eq(a.demand, { Web = 11, QA = 9 }, "committed demand at the cutline")
end)

t.case("the feasible line is the last item before supply runs out", function()
  local a = small():analyze()
  check.eq(a.feasible, 3)
  check.eq(a.cutline, 4)
end)

t.case("items at or above the cutline and below the feasible line are short", function()
  local a = small():analyze()
  for rank = 1, 3 do
    check.eq(a.rows[rank].short, {}, "rank " .. rank)
  end
  check.eq(a.rows[4].short, { { skill = "QA", weeks = 4 } })
  check.eq(a.rows[5].short, {}, "below the cutline: not highlighted")
  local deeper = small(5):analyze()
  -- Native has no supply at all: short by its whole demand.
  check.eq(deeper.rows[5].short, { { skill = "Native", weeks = 1 }, { skill = "QA", weeks = 4 } })
end)

t.case("past both lines the rows keep their weeks and nothing is short", function()
  -- The cutline (2) above the feasible line (3): the walk adds on until it
  -- finds the line, then stops adding. (The stop itself shows in nothing
  -- the analysis returns, by design: this checks that what it returns is
  -- the same; stopping a rank early or at the feasible line alone is
  -- caught here.)
  local a = small(2):analyze()
  check.eq(a.feasible, 3)
  check.eq(a.demand, { Web = 8, QA = 1 })
  check.eq(a.rows[4].short, {})
  check.eq(a.rows[5].short, {})
  check.eq(a.weeks[5], { Web = 1, Native = 1 })
  check.eq(a:running(5), { Native = 1, Web = 12, QA = 9 })
  -- Without a cutline the line is still found.
  check.eq(small(0):analyze().feasible, 3)
end)

t.case("a plan that fits is feasible to the end", function()
  local p = small(2)
  p.plan.ranking = { 1, 2, 3 }
  local a = p:analyze()
  check.eq(a.feasible, 3)
  for _, row in ipairs(a.rows) do
    check.eq(row.short, {})
  end
end)

t.case("the analysis says whether every estimate is whole", function()
  local p = small()
  check.eq(p:analyze().integral, true)
  -- Sizes are whole weeks; a list made another way (replaced from the
  -- console) may not be. Item 6 is unranked.
  p:item(6).estimates = { { key = "Web", value = "2.5w", weeks = 2.5 } }
  check.eq(p:analyze().integral, false, "any item's estimate counts")
  check.eq(p:analyze():running(5), { Native = 1, Web = 12, QA = 9 })
end)

t.case("items past the feasible line and the cutline are not short, however far over", function()
  local p = small(1)
  local a = p:analyze()
  check.eq(a.feasible, 3)
  for rank = 2, 5 do
    check.eq(a.rows[rank].short, {}, "rank " .. rank)
  end
  check.eq(a:running(5), { Native = 1, Web = 12, QA = 9 }, "running demand still walks on")
end)

t.case("an item ranked but missing from the work list still counts", function()
  local p = small()
  -- Removed from the list from the console, still ranked and looked up by id.
  local gone = table.remove(p.work.items, 2)
  check.eq(gone.id, 2)
  local a = p:analyze()
  check.eq(a.items[2], gone)
  check.eq(a.weeks[2], { Web = 6 })
  check.eq(a:running(2), { Web = 8, QA = 1 })
  check.eq(a.feasible, 3)
end)

t.case("a skill only a missing item names counts against a supply of none", function()
  local p = small()
  local gone = table.remove(p.work.items, 2)
  gone.estimates = estimates.parse("Web:S,Design:M")
  local a = p:analyze()
  check.eq(a.skills, { "Native", "Web", "QA", "Design" })
  check.eq(a.feasible, 1)
  check.eq(p:feasible(), 1, "the console's line agrees")
  check.eq(a.rows[2].short, { { skill = "Design", weeks = 2 } })
  check.eq(a:running(2), { Web = 3, QA = 1, Design = 2 })
end)

t.case("the feasible line stops where the analysis stops: at an id the list lacks", function()
  local p = small()
  check.eq(p:feasible(), 3)
  local item = p.work.by_id[2]
  p.work.by_id[2] = nil -- a console edit: ranked, gone from the list and its index
  check.eq(p:feasible(), 1)
  check.eq(p:analyze().feasible, 1)
  check.eq(#p:analyze().rows, 1)
  p.work.by_id[2] = item
  check.eq(p:feasible(), 3, "not remembered while the item was missing")
end)

t.case("two work items with one id: each row has its own estimates", function()
  local p = small()
  local twin = work.new(1, "Twin", "QA:L", "")
  p.work.items[#p.work.items + 1] = twin -- by_id still names the first item 1
  local a = p:analyze()
  check.eq(a.items[1].name, "Login")
  check.eq(a.weeks[1], { Web = 2, QA = 1 })
end)

t.case("nothing ranked, nothing committed", function()
  local p = small(0)
  p.plan.ranking = {}
  local a = p:analyze()
  check.eq(a.feasible, 0)
  check.eq(a.demand, {})
  check.eq(#a.rows, 0)
end)

t.case("triage: an explicit Triage wins, else the lowest group value", function()
  local p = small()
  check.eq(work.triage(p:item(1)), 1)
  check.eq(work.triage(p:item(2)), 1.5)
  check.eq(work.triage(p:item(3)), 2, "explicit Triage over ProdTriage:1")
  check.eq(work.triage(p:item(4)), nil, "untriaged")
  check.eq(work.track(p:item(4)), "Data")
  check.eq(work.track(p:item(5)), nil)
  local untriaged = {}
  for i, item in ipairs(p:untriaged()) do
    untriaged[i] = item.id
  end
  check.eq(untriaged, { 4, 5 })
end)

t.case("triage: only the first Triage tag counts, and a bad one gives way to the groups", function()
  local function triage(tag_text)
    return work.triage(work.new(1, "x", "", tag_text))
  end
  check.eq(triage("Triage,Triage:2,EngTriage:3"), 3, "the first Triage has no value")
  check.eq(triage("EngTriage:3,Triage:2"), 2, "explicit wins wherever it stands")
  check.eq(triage("Triage:soon,ProdTriage:2,EngTriage:1.5"), 1.5, "a bad explicit level")
  check.eq(triage("ProdTriage:x,Triage:0"), nil)
  local item = work.new(1, "x", "", "EngTriage:2,ProdTriage:1")
  item.tags[1] = nil -- a hole: the tags after it are not read, as ipairs stops
  check.eq(work.triage(item), nil)
end)

t.case("the quarter: supply per skill", function()
  local p = Plan.load(".")
  check.eq(p.plan.name, "2026Q1")
  check.eq(p.plan.weeks, 13)
  check.eq(#p.work.items, 60)
  check.eq(#p.people.list, 30)
  check.eq(p:count(), 60)
  check.eq(p:skills(), { "Native", "Web", "Apps", "Server", "QA" })
  check.eq(p:supply(), { Native = 101.4, Web = 97.5, Apps = 39, Server = 93.6, QA = 58.5 })
end)

t.case("feasible() finds the analysis's feasible line without the rows", function()
  check.eq(small():feasible(), small():analyze().feasible)
  local p = Plan.load(".")
  -- Every item moved to the top, then back: the two must agree each time.
  for _, id in ipairs({ table.unpack(p.plan.ranking) }) do
    local from = p:rank_of(id)
    p:move(id, 1)
    check.eq(p:feasible(), p:analyze().feasible, "item " .. id .. " at the top")
    p:move(id, from)
  end
  check.eq(p:feasible(), 32)
end)

t.case("the feasible line is remembered until something above it or the supply changes", function()
  local p = Plan.load(".")
  -- Each edit must give the analysis's line; `moves` says whether it
  -- moves it (so that a remembered answer would be wrong).
  local function after(what, edit, moves)
    local before = p:feasible()
    edit()
    local line = p:feasible()
    check.eq(line, p:analyze().feasible, what)
    check.eq(line ~= before, moves, what .. ": the line moved")
  end
  check.eq(p:feasible(), 32)
  after("a move below the first item over", function() p:move(p.plan.ranking[50], 40) end, false)
  after("the first item over moved away", function() p:move(p.plan.ranking[33], 60) end, true)
  after("an estimate above the line", function() p:estimate(p.plan.ranking[1], "Server", "9L") end,
    true)
  after("a list replaced above the line", function()
    p:item(p.plan.ranking[1]).estimates = estimates.parse("QA:S")
  end, true)
  after("an item replaced", function()
    local twin = work.new(p.plan.ranking[2], "Twin", "Server:9L", "")
    p.work.by_id[twin.id] = twin
  end, true)
  after("a person's skills", function() p:assign(1, "Server", 1) end, true)
  after("a person hired", function() p:hire("Sam", "Server:1", "") end, true)
  after("every rank fits", function() p.plan.weeks = 40 end, true)
  check.eq(p:feasible(), #p.plan.ranking)
  after("an item ranked last when everything fitted", function() p:add("New", "Server:S") end,
    true)
  after("a shorter ranking", function()
    p.plan.ranking = { table.unpack(p.plan.ranking, 1, 10) }
  end, true)
end)

t.case("the quarter: the feasible line lands above the cutline", function()
  local a = Plan.load("."):analyze()
  check.eq(a.cutline, 42)
  check.eq(a.feasible, 32)
  check.eq(a.items[32].name, "Cashback rewards")
  check.eq(a.rows[33].short, { { skill = "Server", weeks = 0.4 } })
  check.eq(a.rows[42].short, { { skill = "Server", weeks = 12.4 }, { skill = "QA", weeks = 0.5 } })
  local short = 0
  for _, row in ipairs(a.rows) do
    if #row.short > 0 then
      short = short + 1
      check.truthy(row.rank > a.feasible and row.rank <= a.cutline, "short rank " .. row.rank)
    end
  end
  check.eq(short, 10)
  check.eq(a.demand, { Native = 67, Web = 66, Apps = 25, Server = 106, QA = 59 })
  check.eq(a:running(60), { Native = 107, Web = 93, Apps = 39, Server = 142, QA = 79 })
end)

t.case("the quarter: unparsable estimates and untriaged work are reported", function()
  local p = Plan.load(".")
  local problems = p:problems()
  check.eq(#problems, 3)
  check.eq(problems[1], { kind = "work", id = 14, name = "Tap to pay on Android",
    text = "estimate 'Native:XL': unknown size 'XL'" })
  check.eq(problems[2].id, 55)
  check.eq(problems[3].id, 59)
  check.eq(#p:untriaged(), 6)
  check.eq(#p:unranked(), 0)
end)

t.case("adding an item ranks it last with the next id", function()
  local p = small()
  local id = p:add("Offline", "Native:2L,Web:M", "track:Core,ProdTriage:2")
  check.eq(id, 7)
  check.eq(p:rank_of(7), 6)
  check.eq(work.weeks(p:item(7)), { Native = 6, Web = 2 })
  check.raises(function() p:add("Bad", "Web:XL") end, "bad estimate 'Web:XL': unknown size 'XL'")
  check.raises(function() p:add("  ") end, "a work item needs a name")
  check.raises(function() p:hire("", "Web:1") end, "a person needs a name")
  check.raises(function() p:hire("Ann", 5) end, "skills are text")
  check.raises(function() p:add("Tab\tbed") end, "a name cannot hold a tab")
  check.eq(p:count(), 6, "failed adds change nothing")
  check.eq(p:item(p:add(42)).name, "42", "a number is taken as its text")
end)

t.case("estimates, triage and tags change in place", function()
  local p = small()
  p:estimate(1, "Native", "2L", "Web", "M", "QA", "-")
  check.eq(work.weeks(p:item(1)), { Native = 6, Web = 2 })
  check.raises(function() p:estimate(1, "Web", "L", "QA", "huge") end, "bad size 'huge'")
  check.eq(work.weeks(p:item(1)), { Native = 6, Web = 2 }, "a bad pair changes nothing")
  check.raises(function() p:estimate(1, "Web") end, "give skill and size pairs")
  p:set_triage(4, 1.5)
  check.eq(work.triage(p:item(4)), 1.5)
  p:set_triage(3, "-")
  check.eq(work.triage(p:item(3)), 1, "without Triage the group values count")
  check.raises(function() p:set_triage(3, 0) end, "bad triage level '0'")
  p:set_tag(5, "track", "Core")
  check.eq(work.track(p:item(5)), "Core")
  check.raises(function() p:item(99) end, "no work item 99")
  check.raises(function() p:estimate(99, "Web", "M") end, "no work item 99")
end)

t.case("edits are seen after weeks, track and triage were remembered", function()
  local p = small()
  local before = {}
  for _, item in ipairs(p.work.items) do
    before[item.id] = { weeks = work.weeks(item), track = work.track(item),
      triage = work.triage(item) }
  end
  check.eq(work.track(p:item(5)), before[5].track, "asked twice, the same answer")
  p:estimate(1, "Web", "2L")
  check.eq(work.weeks(p:item(1)).Web, 6)
  p:set_triage(4, 1.5)
  check.eq(work.triage(p:item(4)), 1.5)
  p:set_triage(3, "-")
  check.eq(work.triage(p:item(3)), 1, "without Triage the group values count")
  p:set_tag(5, "track", "Core")
  check.eq(work.track(p:item(5)), "Core")
  p:set_tag(5, "track", "-")
  check.eq(work.track(p:item(5)), nil)
  -- A list replaced from the console is read afresh.
  p:item(2).tags = kvlist.parse("track:Ads,Triage:3")
  check.eq({ work.track(p:item(2)), work.triage(p:item(2)) }, { "Ads", 3 })
  check.eq(p:analyze().weeks[1].Web, 6)
end)

t.case("the work list's weeks are remembered until an item or its estimates change", function()
  local p = small()
  local first = p:analyze()
  check.truthy(p:analyze().weeks[1] == first.weeks[1], "nothing counted again")
  p:move(5, 1)
  check.eq(p:analyze().weeks[1], { Web = 1, Native = 1 }, "a move needs no counting")
  p:estimate(1, "Apps", "M")
  local a = p:analyze()
  check.eq(a.weeks[2], { Web = 2, QA = 1, Apps = 2 }, "an estimate set")
  check.eq(a.skills, { "Native", "Web", "Apps", "QA" }, "its new skill")
  p:item(3).estimates = estimates.parse("QA:L")
  check.eq(p:analyze().weeks[4], { QA = 3 }, "a list replaced")
  local id = p:add("Reports", "Server:S")
  a = p:analyze()
  check.eq(a.weeks[6], { Server = 1 }, "an item added")
  check.eq(a.skills, { "Native", "Web", "Apps", "Server", "QA" })
  local replaced = work.new(4, "Sharing", "Web:L", "")
  p.work.items[4], p.work.by_id[4] = replaced, replaced
  a = p:analyze()
  check.eq(a.items[5], replaced)
  check.eq(a.weeks[5], { Web = 3 }, "an item replaced")
  p:item(id).estimates = { { key = "Server", value = "1.5w", weeks = 1.5 } }
  check.eq(p:analyze().integral, false, "weeks that are not whole")
  check.eq(p:feasible(), p:analyze().feasible)
end)

t.case("a work list with a hole is counted up to it, every time", function()
  local p = small()
  p.work.items[3] = nil -- from the console; item 3 stays ranked
  local first = p:analyze()
  local again = p:analyze()
  check.eq(again.feasible, first.feasible)
  check.eq(again.weeks[3], { Web = 2, QA = 2 }, "still ranked, still counted")
  check.eq(p:feasible(), again.feasible)
end)

t.case("the analysis names the items with estimates that could not be parsed", function()
  local p = small()
  check.eq(next(p:analyze().unparsed), nil)
  p:item(4).estimates = estimates.parse("Web:XL,QA:S")
  local a = p:analyze()
  check.eq(a.unparsed, { [p:item(4)] = true })
  check.eq(a.weeks[4], { Web = 0, QA = 1 }, "unparsable entries count 0")
  p:estimate(4, "Web", "M")
  check.eq(next(p:analyze().unparsed), nil, "fixed")
  -- An item ranked but missing from the work list is named in its own
  -- analysis, not remembered for the list.
  local gone = table.remove(p.work.items, 2)
  gone.estimates = estimates.parse("Web:XXL")
  a = p:analyze()
  check.eq(a.unparsed, { [gone] = true })
  p.plan.ranking = { 1, 3, 4, 5 }
  check.eq(next(p:analyze().unparsed), nil, "once it is not ranked")
end)

t.case("the analysis rows are the items as views send them", function()
  local p = small(5)
  local a = p:analyze()
  check.eq(a.rows[2], { id = 2, name = "Search", rank = 2, estimates = { Web = 6 }, track = "Core",
    triage = 1.5, short = {} })
  check.eq(a.rows[5], { id = 5, name = "Themes", rank = 5, estimates = { Web = 1, Native = 1 },
    short = { { skill = "Native", weeks = 1 }, { skill = "QA", weeks = 4 } } })
  check.truthy(a.rows[2].estimates == a.weeks[2], "whole weeks: the map itself")
  check.truthy(a.items[2] == p:item(2) and #a.items == 5 and #a.weeks == 5)
  -- Unparsable estimates are named; weeks that are not whole are rounded
  -- in the row only, for an item missing from the work list as well.
  p:item(3).estimates = estimates.parse("Web:M,QA:XL")
  local gone = table.remove(p.work.items, 4)
  gone.estimates = estimates.parse("Web:S,QA:2L")
  gone.estimates[1].weeks = 1.333 -- no size gives this (set before anything counted the list)
  a = p:analyze()
  check.eq(a.rows[3].unparsed, { "QA:XL" })
  check.eq(a.rows[3].estimates, { Web = 2, QA = 0 })
  check.eq(a.rows[2].unparsed, nil)
  check.eq(a.rows[4].estimates, { Web = 1.33, QA = 6 })
  check.eq(a.weeks[4], { Web = 1.333, QA = 6 })
  check.eq(a.integral, false)
end)

t.case("running demand is worked out when first asked for", function()
  local p = small()
  local a = p:analyze()
  check.eq(a.rows[3].running, nil, "the rows do not carry it")
  check.eq(a:running(3), { Web = 10, QA = 3 })
  check.truthy(a:running(3) == a:running(3), "worked out once")
  check.eq(a:running(a.cutline), a.demand)
  check.eq(a:running(0), nil)
end)

t.case("track and triage read together follow every edit", function()
  local p = small()
  local function both(id)
    return { work.track_and_triage(p:item(id)) }
  end
  check.eq(both(1), { "Core", 1 }, "nothing remembered yet")
  check.eq(both(1), { "Core", 1 }, "both remembered")
  check.eq(both(5), {}, "no track, untriaged (remembered as false)")
  check.eq(both(5), {})
  work.track(p:item(4)) -- only the track remembered
  check.eq(both(4), { "Data" })
  p:set_triage(1, 2)
  check.eq(both(1), { "Core", 2 }, "triage set")
  p:set_tag(1, "track", "Ads")
  check.eq(both(1), { "Ads", 2 }, "track set")
  p:item(1).tags = kvlist.parse("track:Ops")
  check.eq(both(1), { "Ops" }, "list replaced")
end)

t.case("moving items and the cutline", function()
  local p = small()
  check.eq({ p:move(4, 1) }, { 4, 1 })
  check.eq(p.plan.ranking, { 4, 1, 2, 3, 5 })
  check.eq({ p:down(4, 2) }, { 1, 3 })
  check.eq(p.plan.ranking, { 1, 2, 4, 3, 5 })
  check.eq({ p:up(4) }, { 3, 2 })
  check.eq({ p:up(4, 10) }, { 2, 1 }, "up stops at the top")
  check.eq({ p:down(4, 10) }, { 1, 5 }, "down stops at the bottom")
  check.raises(function() p:move(4, 0) end, "cannot go to rank 0 (ranks 1..5)")
  check.raises(function() p:move(4, 6) end, "cannot go to rank 6 (ranks 1..5)")
  check.raises(function() p:move(4, "x") end, "rank 'x' is not a number (1..5)")
  check.raises(function() p:move(4, 2.5) end, "rank 2.5 is not a whole number (1..5)")
  check.raises(function() p:move(4) end, "give the rank to move it to, 1..5")
  check.raises(function() p:up(6) end, "work item 6 is not ranked")
  check.eq({ p:move(6, 6) }, { nil, 6 }, "an unranked item can be ranked")
  check.eq(p:cut(2), 4)
  check.eq(p.plan.cutline, 2)
  check.raises(function() p:cut(7) end, "cutline 7 is out of range 0..6")
  check.raises(function() p:cut(-1) end, "cutline -1 is out of range")
  check.raises(function() p:cut(1.5) end, "cutline 1.5 is not a whole number (0..6)")
  check.raises(function() p:cut() end, "give the rank of the cutline, 0..6")
end)

-- The feasible line as a walk from the top finds it, the remembered
-- state left as it was; and what that walk remembers.
local function walked_line(p)
  local kept = p.kept_feasible
  p.kept_feasible = nil
  local line = p:feasible()
  local walked = p.kept_feasible
  p.kept_feasible = kept
  return line, walked
end

-- The running demand a remembered state holds for each skill at each
-- rank down to `line`, as text (`0 2 2 4`); skills with none left out.
local function runs_above(kept, line)
  local texts = {}
  for skill, run in pairs(kept.runs) do
    local list, any = {}, false
    for rank = 1, line do
      list[rank] = tostring(run[rank])
      any = any or run[rank] ~= 0
    end
    if any then
      texts[skill] = table.concat(list, " ")
    end
  end
  return texts
end

-- Checks that the remembered feasible line, and what is remembered with
-- it, are those a walk finds, for the supply now.
local function same_as_walked(p, what)
  local walked, fresh = walked_line(p)
  check.eq(p:feasible(), walked, what)
  check.eq(runs_above(p.kept_feasible, walked), runs_above(fresh, walked), what)
  check.eq(p.kept_feasible.supply, p:supply(), what .. ": the supply it is for")
end

t.case("a move or a grown estimate keeps the remembered feasible line up to date", function()
  local p = Plan.load(".")
  check.eq(p:feasible(), 32)
  local kept = p.kept_feasible
  -- Pulled from far below the line to the top: the line moves up, and
  -- what is remembered is the same table, kept up to date.
  local last = p.plan.ranking[#p.plan.ranking]
  p:move(last, 1)
  check.eq(p.kept_feasible, kept, "no walk")
  check.eq(p:feasible(), walked_line(p))
  check.eq(p:feasible(), p:analyze().feasible)
  -- Within the ranks above the line, up and down.
  p:move(p.plan.ranking[10], 3)
  p:move(p.plan.ranking[2], 20)
  check.eq(p.kept_feasible, kept, "no walk")
  check.eq(p:feasible(), walked_line(p))
  -- From above the line to below it: the next look walks.
  p:move(p.plan.ranking[1], 50)
  check.eq(p.kept_feasible, nil)
  check.eq(p:feasible(), walked_line(p))
  -- An estimate that grows, above the line: kept up to date; one that
  -- shrinks: kept up to date above the first item over, from which the
  -- next look walks on.
  kept = p.kept_feasible
  local line = p:feasible()
  p:estimate(p.plan.ranking[line - 5], "Server", "Q")
  check.eq(p.kept_feasible, kept, "no walk")
  check.eq(p:feasible() < line, true, "the line moved up")
  check.eq(p:feasible(), walked_line(p))
  line = p:feasible()
  p:estimate(p.plan.ranking[2], "Web", "-")
  p:estimate(p.plan.ranking[line + 1], "Server", "-") -- (the first item over)
  check.eq(p.kept_feasible, kept, "no walk")
  check.eq(p.kept_feasible.resume, true)
  local walked, fresh = walked_line(p)
  check.eq(p:feasible(), walked)
  check.eq(p:feasible() > line, true, "the line moved down")
  check.eq(runs_above(p.kept_feasible, walked), runs_above(fresh, walked))
  -- The item itself past its supply, in a skill the plan knows and in one
  -- no one has: the line just above it.
  for _, case in ipairs({ { 10, "Server", "100Q" }, { 4, "Data", "S" } }) do
    local at, skill, size = table.unpack(case)
    kept = p.kept_feasible
    p:estimate(p.plan.ranking[at], skill, size)
    check.eq(p.kept_feasible, kept, "no walk")
    check.eq(p:feasible(), at - 1)
    local walked, fresh = walked_line(p)
    check.eq(walked, at - 1)
    check.eq(runs_above(p.kept_feasible, at - 1), runs_above(fresh, at - 1))
  end
end)

t.case("estimates that shrink: the line walks on from the first item over", function()
  local p = Plan.load(".")
  local line = p:feasible()
  local kept = p.kept_feasible
  -- The item at the line itself, then one above it and a move before the
  -- next look: the move walks.
  p:estimate(p.plan.ranking[line], "Web", "-")
  check.eq(p.kept_feasible, kept, "no walk")
  check.eq(p.kept_feasible.resume, true)
  same_as_walked(p, "the item at the line")
  line = p:feasible()
  p:estimate(p.plan.ranking[3], "Server", "-")
  p:move(p.plan.ranking[line + 4], 2)
  check.eq(p.kept_feasible, nil, "a move while the line is to be found again")
  same_as_walked(p, "a shrink and a move")
  -- One skill down, then another up past its supply above the line: the
  -- line is where the growth puts it, with nothing left to walk.
  line = p:feasible()
  kept = p.kept_feasible
  p:estimate(p.plan.ranking[5], "QA", "-")
  p:estimate(p.plan.ranking[6], "Server", "10Q")
  check.eq(p.kept_feasible, kept, "no walk")
  check.eq(p.kept_feasible.resume, false)
  check.eq(p:feasible(), 5)
  same_as_walked(p, "down, then up past supply")
end)

t.case("staff edits: the remembered line moves with the supply", function()
  local p = Plan.load(".")
  local line = p:feasible()
  local kept = p.kept_feasible
  -- No Native at all: the line above the first item estimating it (the
  -- top one); Native back, and more Server: walked on from there.
  local native = {}
  for pid, person in ipairs(p.people.list) do
    if people.fractions(person).Native then
      native[#native + 1] = { pid, people.fractions(person).Native }
      p:assign(pid, "Native", 0)
    end
  end
  check.eq(p:feasible(), 0)
  check.eq(p.kept_feasible, kept, "no walk")
  same_as_walked(p, "no Native")
  for _, was in ipairs(native) do
    p:assign(was[1], "Native", was[2])
  end
  p:hire("Fay", "Server:1")
  check.eq(p:feasible() >= line, true)
  same_as_walked(p, "Native back, more Server")
  -- (By hand at the console: weeks below 0, so every supply below 0; an
  -- item estimating nothing ranked first fits all the same.)
  p:estimate(p.plan.ranking[1], "Native", "-", "Web", "-", "Server", "-", "QA", "-", "Apps", "-")
  check.eq(p:feasible() > 0, true)
  p.plan.weeks = -1
  same_as_walked(p, "supply below 0")
  check.eq(p:feasible(), 1)
end)

t.case("after any moves, the remembered feasible line is the walked one", function()
  -- Random moves (a fixed sequence), with edits of estimates and people
  -- and items unranked and ranked again between them, on the example plan
  -- and on one whose every item fits.
  local random = check.seeded(12345)
  for _, fits in ipairs({ false, true }) do
    local p = Plan.load(".")
    if fits then
      for _ = 1, 20 do
        p:hire("More", "Native:0.2,Web:0.2,Apps:0.2,Server:0.2,QA:0.2")
      end
      check.eq(p:feasible(), #p.plan.ranking)
    end
    local lines = {}
    for step = 1, 400 do
      local ranking = p.plan.ranking
      local count = #ranking
      local pick = random(20)
      if pick <= 12 then
        p:move(ranking[random(count)], random(count))
      elseif pick <= 14 then
        p:up(ranking[random(count)], random(40))
      elseif pick <= 16 then
        p:down(ranking[random(count)], random(40))
      elseif pick == 17 then
        local id = ranking[random(count)]
        p:unrank(id)
        p:move(id, random(count))
      elseif pick == 18 then
        local sizes = { "S", "M", "L", "2L", "Q", "-" }
        -- (Data, where the plan does not fit: a skill no one has.)
        local skills = { "Native", "Web", "Server", "QA", not fits and "Data" or "Web" }
        p:estimate(ranking[random(count)], skills[random(5)], sizes[random(6)])
      elseif pick == 19 then
        p:assign(random(#p.people.list), "Server", random(4) / 4)
      else
        p:feasible() -- a look between moves
      end
      local line = p:feasible()
      local walked, fresh = walked_line(p)
      check.eq(line, walked, "step " .. step)
      if p.kept_feasible and fresh then
        check.eq(runs_above(p.kept_feasible, line), runs_above(fresh, line), "step " .. step)
        -- Both hold every skill down to the line, no further.
        for _, kept in ipairs({ p.kept_feasible, fresh }) do
          for skill, run in pairs(kept.runs) do
            check.eq(#run, line, "step " .. step .. ", " .. skill)
          end
        end
      end
      if step % 50 == 0 then
        check.eq(line, p:analyze().feasible, "step " .. step .. ", the analysis")
      end
      lines[line] = true
    end
    -- (The moves took the line far enough to mean something.)
    local seen = 0
    for _ in pairs(lines) do
      seen = seen + 1
    end
    check.eq(seen > (fits and 1 or 5), true, "lines seen: " .. seen)
    if fits then
      check.eq(lines[#p.plan.ranking], true, "fits at times")
    end
  end
end)

t.case("up and down stop at the ends, however many places", function()
  local p = small()
  check.eq({ p:down(3, math.maxinteger) }, { 3, 5 }, "no overflow past the last rank")
  check.eq({ p:up(3, math.maxinteger) }, { 5, 1 })
  check.eq({ p:down(3, 1e300) }, { 1, 5 }, "a whole number too large for an integer")
  check.eq({ p:up(3, "9223372036854775808") }, { 5, 1 })
  check.eq({ p:down(3, 0) }, { 1, 1 })
  check.raises(function() p:down(3, math.mininteger) end,
    "bad number of places '" .. math.mininteger .. "'")
  check.raises(function() p:up(3, math.huge) end, "bad number of places 'inf'")
  check.raises(function() p:move(3, math.maxinteger) end,
    "cannot go to rank " .. math.maxinteger .. " (ranks 1..5)")
  check.raises(function() p:move(3, math.mininteger) end, "(ranks 1..5)")
  check.raises(function() p:move(3, 1e300) end, "cannot go to rank 1e+300 (ranks 1..5)")
  check.raises(function() p:cut(-1e300) end, "cutline -1e+300 is out of range 0..5")
  check.eq(p.plan.ranking, { 3, 1, 2, 4, 5 })
end)

t.case("people: fractions, hiring and assigning", function()
  local p = small()
  local id = p:hire("Cy", "QA:1", "track:Data")
  check.eq(id, 3)
  check.eq(p:supply(), { Web = 15, QA = 15 })
  p:assign(3, "QA", 0.5, "Native", 0.5)
  check.eq(people.fractions(p:person(3)), { QA = 0.5, Native = 0.5 })
  check.eq(p:supply(), { Web = 15, QA = 10, Native = 5 })
  check.raises(function() p:assign(3, "QA", 2) end, "bad fraction '2' for QA")
  -- A skill named twice adds up (people.tsv allows it), as `fractions` does.
  -- (Lists are replaced, not edited in place: see kvlist.memo.)
  local function append(person, text)
    person.skills = kvlist.parse(kvlist.format(person.skills) .. "," .. text)
  end
  append(p:person(2), "Web:0.25")
  check.eq(people.fractions(p:person(2)), { Web = 0.75, QA = 0.5 })
  check.eq(p:supply(), { Web = 17.5, QA = 10, Native = 5 })
  -- Unusable entries count nothing.
  append(p:person(1), "QA:lots,9x:0.5")
  check.eq(p:supply(), { Web = 17.5, QA = 10, Native = 5 })
  -- The supply is worked out again when the plan's weeks or the team change.
  p.plan.weeks = 26
  check.eq(p:supply(), { Web = 45.5, QA = 26, Native = 13 })
  local leaving = table.remove(p.people.list, 3)
  check.eq(p:supply(), { Web = 45.5, QA = 13 })
  p.people.list[2] = leaving
  check.eq(p:supply(), { Web = 26, QA = 13, Native = 13 })
  p:assign(3, "QA", 0.25, "Web", 0.25)
  check.eq(p:supply(), { Web = 32.5, QA = 6.5, Native = 13 })
  check.eq(p:person(p:hire("Di", "Web:0.5")).name, "Di", "part time")
  check.raises(function() p:hire("Ed", "Web:1,QA:0.5") end,
    "Ed: skills add up to 1.5, more than 1")
  check.raises(function() p:person(9) end, "no person 9")
end)

t.case("a known skill in the wrong case is refused, a new skill is not", function()
  local p = Plan.load(".")
  local before = p:texts()
  check.raises(function() p:estimate(3, "native", "L") end,
    "unknown skill 'native' (did you mean 'Native'?)")
  check.raises(function() p:add("X", "SERVER:M") end,
    "unknown skill 'SERVER' (did you mean 'Server'?)")
  check.raises(function() p:hire("Ann", "web:1") end, "unknown skill 'web' (did you mean 'Web'?)")
  check.raises(function() p:assign(1, "qa", 0.5) end, "unknown skill 'qa' (did you mean 'QA'?)")
  check.eq(p:texts(), before, "nothing changed")
  p:estimate(3, "Design", "M")
  check.eq(p:skills()[#p:skills()], "Design")
end)

t.case("triage levels and triage tags must be positive numbers", function()
  local p = Plan.load(".")
  local before = p:texts()
  for _, level in ipairs({ 0.001, math.huge, 0 / 0, -1, "soon" }) do
    check.raises(function() p:set_triage(3, level) end,
      "bad triage level '" .. tostring(level) .. "'")
  end
  check.raises(function() p:add("X", "Web:M", "track:Growth,Triage:abc") end,
    "bad triage tag 'Triage:abc'")
  check.raises(function() p:set_tag(3, "Triage", "soon") end, "bad triage tag 'Triage:soon'")
  check.raises(function() p:set_tag(3, "EngTriage", 0) end, "bad triage tag 'EngTriage:0'")
  check.eq(p:texts(), before, "nothing changed")
  p:set_tag(3, "ProdTriage", 2)
  p:set_triage(4, 0.01)
  check.eq(work.triage(p:item(4)), 0.01)
end)

t.case("numbers that would be saved as infinity, NaN or another number are refused", function()
  local p = Plan.load(".")
  local before = p:texts()
  -- 1e308 rounds to infinity; 123456789012.5 would be saved as
  -- 1.23456789e+11 (ten digits).
  for _, level in ipairs({ 1e308, "1e308", 2 ^ 63, 123456789012.5 }) do
    check.raises(function() p:set_triage(3, level) end,
      "bad triage level '" .. tostring(level) .. "'")
  end
  check.raises(function() p:set_tag(3, "Triage", 1e308) end, "bad triage tag 'Triage:1e+308'")
  check.raises(function() p:assign(1, "Web", 0 / 0) end, "bad fraction")
  check.eq(p:texts(), before, "nothing changed")
  p:set_triage(3, math.maxinteger)
  check.eq(work.triage(p:item(3)), math.maxinteger, "an integer level is whole already")
  p:set_triage(3, 1e300)
  check.eq(work.triage(p:item(3)), 1e300, "saved as 1e+300, read back the same")
  -- A level in a file that rounds to infinity is no level, and said so.
  local item = work.new(1, "x", "", "Triage:1e308,EngTriage:2")
  check.eq(work.triage(item), 2)
  check.eq(work.problems(item),
    { "triage tag 'Triage:1e308' is not a level (1 is most important, then 1.5, 2, ...)" })
  -- Supply in weeks past 2^63 does not wrap around to a negative number.
  local huge = small()
  huge:assign(2, "Web", 1, "QA", 0) -- two whole people: integer fractions
  huge.plan.weeks = math.maxinteger
  check.truthy(huge:supply().Web > 0, "supply " .. tostring(huge:supply().Web))
end)

t.case("names and tags no data file or terminal should hold are refused", function()
  local p = Plan.load(".")
  local before = p:texts()
  local refused = {
    { "Bad\255Name\27[2J", "a name cannot hold invalid UTF-8 (at byte 4)" },
    { "Clear\27[2J", "a name cannot hold a control character (U+001B)" },
    { "Nul\0", "a name cannot hold a control character (U+0000)" },
    { "Del\127", "a name cannot hold a control character (U+007F)" },
    { "Next line\u{85}", "a name cannot hold a control character (U+0085)" },
    { "Bell\7", "a name cannot hold a control character (U+0007)" },
    { "Surrogate \237\160\128", "a name cannot hold invalid UTF-8 (at byte 11)" },
  }
  for _, case in ipairs(refused) do
    check.raises(function() p:rename(6, case[1]) end, case[2])
    check.raises(function() p:add(case[1], "Web:M") end, case[2])
    check.raises(function() p:hire(case[1], "Web:1") end, case[2])
  end
  check.raises(function() p:add("Ok", "Web:M", "track:\27[2J") end,
    "bad tag 'track:\\u{1B}[2J': a tag cannot hold a control character (U+001B)")
  check.raises(function() p:hire("Ok", "Web:1", "tr\255ack:Growth") end,
    "bad tag 'tr\\xFFack:Growth': a tag cannot hold invalid UTF-8 (at byte 3)")
  check.raises(function() p:set_tag(6, "track", "Pay\u{9f}") end,
    "bad tag 'track:Pay\\u{9F}': a tag cannot hold a control character (U+009F)")
  check.raises(function() p:set_tag(6, "no\127te", "x") end, "(U+007F)")
  check.eq(p:texts(), before, "nothing changed")
  p:rename(6, "Crème brûlée \u{2713}")
  check.eq(p:item(6).name, "Crème brûlée \u{2713}", "any other UTF-8 is a name")
end)

t.case("a file holding such text still loads, and its problems say what it holds", function()
  local texts = {}
  for key, file in pairs(Plan.FILES) do
    texts[key] = check.read(file)
  end
  texts.work = texts.work:gsub("\n6\t[^\t]*\t([^\t]*)\t([^\n]*)",
    "\n6\tBad\255Name\27[2J\t%1\t%2,note:\u{85}", 1)
  texts.people = texts.people:gsub("\n3\tChen Wei\t", "\n3\tChen\7Wei\t", 1)
  local p = Plan.from_texts(texts)
  check.eq(p:item(6).name, "Bad\255Name\27[2J", "kept as it is")
  check.eq(p:texts(), texts, "and written back as it was")
  check.eq(work.problems(p:item(6)), { "the name cannot hold invalid UTF-8 (at byte 4)",
    "tag 'note:\u{85}' cannot hold a control character (U+0085)" })
  check.eq(people.problems(p:person(3)), { "the name cannot hold a control character (U+0007)" })
  check.eq(#p:problems(), 6)
end)

t.case("what could not be saved is refused, naming where it is", function()
  local p = Plan.load(".")
  check.raises(function() p:hire("Ann", "Web:1", "track:Pay\tments") end,
    "bad tag 'track:Pay\\tments': a tag cannot hold a tab or a line break")
  -- A lone carriage return inside a name is not a line end, but could
  -- not be written back: the plan does not load, and the error names the
  -- file, the row and the item (it loaded, and no save() could succeed).
  local texts = {}
  for key, file in pairs(Plan.FILES) do
    texts[key] = check.read(file)
  end
  texts.work = texts.work:gsub("\n2\tSaved cards ", "\n2\tSaved\rcards ", 1)
  check.raises(function() Plan.from_texts(texts) end,
    "work.tsv: row 2 (ID 2), column Name: a field cannot hold a tab or a line break")
end)

t.case("unsaved tells whether the files hold the plan", function()
  local p = small()
  check.eq(p:unsaved(), false, "as loaded")
  p:move(5, 1)
  check.eq(p:unsaved(), true, "moved")
  p:move(5, 5)
  check.eq(p:unsaved(), false, "moved back: the files hold it again")
  p:set_tag(1, "owner", "ana")
  check.eq(p:unsaved(), true, "a tag no view shows")
end)

t.case("broken files are clear errors", function()
  local function texts(plan_row, work_rows)
    return {
      work = "ID\tName\tEstimate\tTags\n-----\n" .. (work_rows or "1\tA\tWeb:M\t\n"),
      people = "ID\tName\tSkills\tTags\n-----\n1\tAnn\tWeb:1\t\n",
      plan = "ID\tName\tNumWeeks\tTeamID\tCutline\tWorkItems\tTags\n-----\n" .. plan_row,
    }
  end
  check.raises(function() Plan.from_texts(texts("1\tP\t13\tt\t1\t1,2\t\n")) end,
    "plan.tsv:3: plan P ranks work item 2, which is not in work.tsv")
  check.raises(function() Plan.from_texts(texts("1\tP\t13\tt\t1\t1,1\t\n")) end,
    "plan.tsv:3: work item 1 is ranked twice")
  check.raises(function() Plan.from_texts(texts("1\tP\t13\tt\t2\t1\t\n")) end,
    "plan.tsv:3: cutline 2 is below the last rank (1)")
  check.raises(function() Plan.from_texts(texts("1\tP\tlots\tt\t0\t1\t\n")) end,
    "plan.tsv:3: bad NumWeeks 'lots'")
  check.raises(function() Plan.from_texts(texts("1\tP\t13\tt\t0\t1\t\n", "x\tA\t\t\n")) end,
    "work.tsv:3: bad ID 'x'")
  check.raises(function() Plan.from_texts(texts("1\tP\t13\tt\t0\t1\t\n", "1\tA\t\t\n1\tB\t\t\n")) end,
    "work.tsv:4: work item 1 appears twice")
  check.raises(function() Plan.load("tests/tmp") end, "cannot read tests/tmp/")
end)

t.case("errors quote what was typed with control characters escaped", function()
  local p = small()
  local esc = "\27[2J"
  local function quoted(fn, expected)
    local message = check.raises(fn, expected)
    check.truthy(not message:find("[\0-\31\127]"), "escaped: " .. message)
  end
  quoted(function() p:item(esc) end, "no work item \\u{1B}[2J")
  quoted(function() p:person(esc) end, "no person \\u{1B}[2J")
  quoted(function() p:move(1, esc) end, "rank '\\u{1B}[2J' is not a number")
  quoted(function() p:up(1, esc) end, "bad number of places '\\u{1B}[2J'")
  quoted(function() p:cut(esc) end, "cutline '\\u{1B}[2J' is not a number")
  quoted(function() p:estimate(1, "We" .. esc, "M") end, "bad skill 'We\\u{1B}[2J'")
  quoted(function() p:estimate(1, "Web", "M" .. esc) end, "bad size 'M\\u{1B}[2J'")
  quoted(function() p:set_triage(1, esc) end, "bad triage level '\\u{1B}[2J'")
  quoted(function() p:add("New", "Web:" .. esc) end, "bad estimate 'Web:\\u{1B}[2J'")
  quoted(function() p:assign(1, "Web", esc) end, "bad fraction '\\u{1B}[2J'")
  quoted(function() p:assign(1, "we" .. esc, 0.5) end, "bad skill 'we\\u{1B}[2J'")
  local texts = { work = small():texts().work, people = small():texts().people,
    plan = small():texts().plan:gsub("\t1,2,3,4,5\t", "\t1,2" .. esc .. ",3\t") }
  check.raises(function() Plan.from_texts(texts) end, "bad work item id '2\\u{1B}[2J'")
end)

t.done()
