-- Taking work items out: `unrank` (out of the ranking, still a work
-- item) and `remove` (deleted), the cutline kept around the same
-- committed items, and both through save() and a load again, on a
-- scratch copy of the plan in tests/tmp/remove (removed at the end).

local check = require("tests.lib.check")
local new_meeting = require("tests.lib.meeting")
local Plan = require("lib.plan")
local views = require("lib.views")

local t = check.suite("test_remove")

local DIR = "tests/tmp/remove"

-- A fresh copy of the plan, in a meeting (tests/lib/meeting.lua).
local function meeting()
  check.copy_plan(DIR)
  return new_meeting(DIR)
end

-- The ids committed to (ranked at or above the cutline), in rank order.
local function committed(p)
  return { table.unpack(p.plan.ranking, 1, p.plan.cutline) }
end

-- `list` without `id`.
local function without(list, id)
  local kept = {}
  for _, other in ipairs(list) do
    if other ~= id then
      kept[#kept + 1] = other
    end
  end
  return kept
end

-- Every view computes, and the console's feasible line agrees with the
-- analysis.
local function views_work(p)
  for _, name in ipairs(views.NAMES) do
    check.eq(type(views[name](p)), "table", name)
  end
  check.eq(p:feasible(), p:analyze().feasible)
end

t.case("unrank takes an item out of the ranking and keeps it a work item", function()
  local m = meeting()
  local p = m.session.plan
  local before = committed(p)
  -- Item 5 is at rank 40, above the cutline (42): the cutline follows it.
  check.eq(m.run("unrank", 5), { "5 'Split a bill with friends': unranked, was rank 40 "
    .. "(cutline 42 -> 41, feasible line 32)" })
  check.eq(committed(p), without(before, 5), "the same items committed, but for it")
  check.eq(p:rank_of(5), nil)
  check.eq(p:count(), 59)
  check.eq(#p.work.items, 60)
  check.eq(p:item(5).name, "Split a bill with friends")
  check.eq(m.run("report")[4], "work 5 'Split a bill with friends': not ranked in plan 2026Q1")
  views_work(p)
  local ok, message = pcall(m.cmd.unrank, 5)
  check.eq({ ok, message }, { false, "unrank: 5 'Split a bill with friends' is not ranked" })
  -- Below the cutline the cutline stays.
  check.eq(m.run("unrank", 60), { "60 'Merchant logos in the feed': unranked, was rank 59 "
    .. "(cutline 41, feasible line 32)" })
  -- Above the feasible line the line moves up with it.
  check.eq(m.run("unrank", 1), { "1 'Apple Pay and Google Pay at checkout': unranked, was rank 1 "
    .. "(cutline 41 -> 40, feasible line 33)" })
  check.eq(m.run("rank", 5, 1), { "5 'Split a bill with friends': rank none -> 1 "
    .. "(cutline 40, feasible line 32)" })
  views_work(p)
end)

t.case("unranked items are saved in work.tsv, not in the ranking, and load again", function()
  local m = meeting()
  local p = m.session.plan
  m.cmd.unrank(5)
  m.cmd.unrank(60)
  check.eq(m.run("save"), { "saved plan.tsv (previous versions in *.bak)" })
  local plan_tsv = check.read(DIR .. "/plan.tsv")
  check.truthy(not plan_tsv:find(",5,", 1, true) and not plan_tsv:find(",60\t", 1, true),
    "ranked no more: " .. plan_tsv)
  check.truthy(plan_tsv:find("\t41\t", 1, true), "the cutline saved")
  local again = Plan.load(DIR)
  check.eq(again:texts(), p:texts())
  check.eq(again.plan.ranking, p.plan.ranking)
  check.eq(again.plan.cutline, 41)
  check.eq(#again:unranked(), 2)
  check.eq(again:item(60).name, "Merchant logos in the feed")
end)

t.case("remove deletes an item; the cutline keeps the committed items", function()
  local m = meeting()
  local p = m.session.plan
  local before = committed(p)
  -- Item 16 is at rank 10, above the feasible line: the line moves down.
  check.eq(m.run("remove", 16), { "removed 16 'ID verification with selfie check', was rank 10 "
    .. "(cutline 42 -> 41, feasible line 33)" })
  check.eq(committed(p), without(before, 16))
  check.eq(p:count(), 59)
  check.eq(#p.work.items, 59)
  local ok, message = pcall(m.cmd.show, 16)
  check.eq({ ok, message }, { false, "show: no work item 16" })
  views_work(p)
  -- Below the cutline, and an item not ranked.
  check.eq(m.run("remove", 50), { "removed 50 'Database read replicas', was rank 51 "
    .. "(cutline 41, feasible line 33)" })
  m.cmd.unrank(60)
  check.eq(m.run("remove", 60), { "removed 60 'Merchant logos in the feed', which was not ranked" })
  check.eq(#p.work.items, 57)
  check.eq(#p:problems(), 3, "nothing left unranked")
  -- The next item added takes the next id, not the removed 60's.
  check.eq(p:add("Later", "Web:S"), 61)
  views_work(p)
end)

t.case("a removed item's id is not given to the next item added", function()
  local m = meeting()
  local plan = m.session.plan
  local top = 0
  for _, item in ipairs(plan.work.items) do
    top = math.max(top, item.id)
  end
  m.run("remove", top)
  check.eq(plan:add("New"), top + 1)
  m.run("remove", top + 1)
  check.eq(plan:add("Newer"), top + 2)
end)

t.case("leave takes a person off the team, with their supply, through save and a load", function()
  local m = meeting()
  local p = m.session.plan
  local before = p:supply()
  local person = p:person(4)
  local native = 0
  for _, skill in ipairs(person.skills) do
    if skill.key == "Native" then
      native = skill.value * p.plan.weeks
    end
  end
  local said = m.run("leave", 4)[1]
  check.truthy(said:find("4 '" .. person.name .. "' left the team (", 1, true) == 1, said)
  check.truthy(said:find("supply now Native ", 1, true), said)
  check.near(p:supply().Native, before.Native - native, 1e-9)
  local ok, message = pcall(m.cmd.leave, 4)
  check.eq({ ok, message }, { false, "leave: no person 4" })
  -- Its id is not given to the next person hired.
  local top = 0
  for _, other in ipairs(p.people.list) do
    top = math.max(top, other.id)
  end
  check.eq(m.cmd.hire("Ann", "Web:1"), math.max(top, 4) + 1)
  m.cmd.save()
  local again = Plan.load(DIR)
  check.eq(again.people.by_id[4], nil)
  check.eq(#again.people.list, #p.people.list)
end)

t.case("removed items are gone from work.tsv and plan.tsv after save and a load", function()
  local m = meeting()
  local p = m.session.plan
  local before = check.read(DIR .. "/work.tsv")
  m.cmd.remove(16)
  m.cmd.remove(3)
  check.eq(m.run("save"), { "saved work.tsv, plan.tsv (previous versions in *.bak)" })
  check.eq(check.read(DIR .. "/work.tsv.bak"), before)
  local work_tsv = check.read(DIR .. "/work.tsv")
  check.truthy(not work_tsv:find("\n16\t", 1, true) and not work_tsv:find("\n3\t", 1, true),
    "the rows are gone")
  check.eq(select(2, work_tsv:gsub("\n", "\n")), 60, "header, separator and 58 rows")
  local again = Plan.load(DIR)
  check.eq(again:texts(), p:texts())
  check.eq(again.plan.ranking, p.plan.ranking)
  check.eq(again.plan.cutline, 40)
  check.eq(again:analyze().rows, p:analyze().rows)
  for _, name in ipairs(views.NAMES) do
    check.eq(views[name](again), views[name](p), name)
  end
  check.eq(m.run("save"), { "nothing to save: the files hold the plan as it is" })
end)

t.case("unrank and remove are listed in help and refuse what is no item", function()
  local m = meeting()
  local listed = table.concat(m.run("help"), "\n")
  check.truthy(listed:find("unrank(id)", 1, true) and listed:find("remove(id)", 1, true), listed)
  for _, name in ipairs({ "unrank", "remove" }) do
    local ok, message = pcall(m.cmd[name], 99)
    check.eq({ ok, message }, { false, name .. ": no work item 99" })
    ok, message = pcall(m.cmd[name])
    check.eq({ ok, message }, { false, name .. ": no work item nil" })
  end
end)

check.clean(DIR)
t.done()
