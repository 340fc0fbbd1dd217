-- Loading and saving: load -> save -> load gives identical data and
-- files, edits survive a save, backups keep the previous version, and
-- plan.lua reproduces the same plan every time it runs.

local check = require("tests.lib.check")
local Plan = require("lib.plan")
local views = require("lib.views")

local t = check.suite("test_roundtrip")

local DIR = "tests/tmp/roundtrip"
check.clean(DIR)

local function all_views(plan)
  local data = {}
  for _, name in ipairs(views.NAMES) do
    data[name] = views[name](plan)
  end
  return data
end

t.case("saving an unedited plan writes the same bytes", function()
  local plan = Plan.load(".")
  local written = plan:save(DIR)
  check.eq(written, { "work.tsv", "plan.tsv", "people.tsv" })
  for _, name in ipairs(check.FILES) do
    check.eq(check.read(DIR .. "/" .. name), check.read(name), name)
  end
end)

t.case("load -> save -> load gives the same data", function()
  local first = Plan.load(".")
  local second = Plan.load(DIR)
  check.eq(second:texts(), first:texts())
  check.eq(all_views(second), all_views(first))
  check.eq(second.plan.ranking, first.plan.ranking)
end)

t.case("edits survive a save and a load", function()
  local plan = Plan.load(DIR)
  local id = plan:add("Card spending limits", "Native:M,Web:S", "track:Payments,ProdTriage:1.5")
  plan:estimate(3, "QA", "2S")
  plan:set_triage(5, 1)
  plan:move(id, 10)
  plan:cut(45)
  plan:save()
  local again = Plan.load(DIR)
  check.eq(again:texts(), plan:texts())
  check.eq(all_views(again), all_views(plan))
  check.eq(again:rank_of(id), 10)
  check.eq(again.plan.cutline, 45)
  -- And the files are stable from here on.
  local before = {}
  for _, name in ipairs(check.FILES) do
    before[name] = check.read(DIR .. "/" .. name)
  end
  again:save()
  for _, name in ipairs(check.FILES) do
    check.eq(check.read(DIR .. "/" .. name), before[name], name)
  end
end)

t.case("a save keeps the previous version as .bak", function()
  local plan = Plan.load(DIR)
  local previous = check.read(DIR .. "/plan.tsv")
  plan:cut(10)
  plan:save()
  check.eq(check.read(DIR .. "/plan.tsv.bak"), previous)
  check.truthy(check.read(DIR .. "/plan.tsv"):find("\t13\tmoney-app\t10\t", 1, true) ~= nil,
    "new cutline saved")
end)

t.case("a file is written only when the plan changed it", function()
  local plan = Plan.load(DIR)
  for _, name in ipairs({ "work.tsv", "plan.tsv", "people.tsv" }) do
    os.remove(DIR .. "/" .. name .. ".bak")
  end
  check.eq(plan:save(), {})
  check.truthy(not check.exists(DIR .. "/work.tsv.bak"), "work.tsv untouched")
  plan:assign(30, "Native", 0, "Server", 1)
  check.eq(plan:save(), { "people.tsv" })
  check.eq(Plan.load(DIR):supply().Server, 100.1)
  -- A second save of the same edits keeps the first save's backup.
  local before = check.read(DIR .. "/plan.tsv")
  plan:cut(12)
  check.eq(plan:save(), { "plan.tsv" })
  check.eq(plan:save(), {})
  check.eq(check.read(DIR .. "/plan.tsv.bak"), before)
end)

t.case("a file with CR LF line ends keeps them when saved", function()
  local texts = {}
  for key, file in pairs(Plan.FILES) do
    texts[key] = check.read(file)
  end
  texts.people = texts.people:gsub("\n", "\r\n")
  local plan = Plan.from_texts(texts)
  check.eq(plan:save(DIR), { "work.tsv", "plan.tsv", "people.tsv" })
  check.eq(check.read(DIR .. "/people.tsv"), texts.people)
  check.eq(check.read(DIR .. "/work.tsv"), texts.work, "LF stays LF")
  plan = Plan.load(DIR)
  plan:hire("Ann Example", "Web:1")
  check.eq(plan:save(), { "people.tsv" })
  local saved = check.read(DIR .. "/people.tsv")
  check.truthy(saved:find("Ann Example", 1, true) ~= nil, "the hire is saved")
  check.eq(select(2, saved:gsub("\r\n", "")), select(2, saved:gsub("\n", "")), "every line CR LF")
  check.eq(Plan.load(DIR):texts(), plan:texts())
end)

-- plan.lua declares its views through planhost.view; under a plain Lua
-- interpreter a stand-in keeps them in planhost.views the same way.
if not planhost then
  planhost = { views = {} }
  function planhost.view(name, fn)
    planhost.views[name] = fn
  end
end

local function run_plan_file()
  dofile("plan.lua")
  local data = {}
  for _, name in ipairs(views.NAMES) do
    check.eq(type(planhost.views[name]), "function", "view " .. name)
    data[name] = planhost.views[name]()
  end
  return data
end

t.case("plan.lua declares the four views and the commands", function()
  local data = run_plan_file()
  check.eq(data.work.plan, { name = "2026Q1", weeks = 13, cutline = 42, feasible_line = 32 })
  for _, name in ipairs({ "add", "est", "triage", "rank", "up", "down", "cut", "feasible",
    "totals", "show", "save" }) do
    check.eq(type(_G[name]), "function", name)
  end
end)

t.case("running plan.lua again reproduces the plan from the files", function()
  local first = run_plan_file()
  cut(10) -- an unsaved edit, dropped by running plan.lua again
  check.eq(planhost.views.work().plan.cutline, 10)
  local second = run_plan_file()
  check.eq(second, first)
  check.eq(second, all_views(Plan.load(".")))
end)

check.clean(DIR)
t.done()
