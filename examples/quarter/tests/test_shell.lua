-- The planning meeting's commands, on a scratch copy of the plan in
-- tests/tmp/shell (removed at the end): what they print, what they
-- change, their errors, and saving with backups.

local check = require("tests.lib.check")
local Plan = require("lib.plan")
local shell = require("lib.shell")

local t = check.suite("test_shell")

local DIR = "tests/tmp/shell"
check.copy_plan(DIR)

local printed = {}
local session = { plan = Plan.load(DIR) }
local cmd = shell.commands(session, function(line)
  printed[#printed + 1] = line
end)

-- Runs `fn` and returns the lines it printed.
local function lines(fn, ...)
  printed = {}
  fn(...)
  return printed
end

t.case("add returns the new id and ranks it last", function()
  printed = {}
  local id = cmd.add("Card spending limits", "Native:M,Web:S,Server:M", "track:Payments")
  check.eq(id, 61)
  check.eq(printed, { "added 61 'Card spending limits' at rank 61" })
  check.eq(session.plan:rank_of(61), 61)
end)

t.case("est sets sizes and shows the weeks", function()
  check.eq(lines(cmd.est, 61, "Native", "2L", "Web", "M"),
    { "61 'Card spending limits': Native:2L,Web:M,Server:M (Native 6, Web 2, Server 2)" })
  check.eq(lines(cmd.est, 61, "Server", "-"),
    { "61 'Card spending limits': Native:2L,Web:M (Native 6, Web 2)" })
end)

t.case("triage sets the explicit level", function()
  check.eq(lines(cmd.triage, 61, 1.5), { "61 'Card spending limits': triage 1.5" })
  check.eq(lines(cmd.triage, 61, "-"),
    { "61 'Card spending limits': explicit triage removed (untriaged)" })
  check.eq(lines(cmd.triage, 61, 1), { "61 'Card spending limits': triage 1" })
end)

t.case("rank, up and down move an item and show the lines", function()
  check.eq(lines(cmd.rank, 61, 5),
    { "61 'Card spending limits': rank 61 -> 5 (cutline 42, feasible line 33)" })
  check.eq(lines(cmd.up, 61, 2),
    { "61 'Card spending limits': rank 5 -> 3 (cutline 42, feasible line 33)" })
  check.eq(lines(cmd.down, 61),
    { "61 'Card spending limits': rank 3 -> 4 (cutline 42, feasible line 33)" })
end)

t.case("cut moves the cutline", function()
  check.eq(lines(cmd.cut, 40), { "cutline 42 -> 40 (feasible line 33)" })
end)

t.case("feasible names the first short item and the shortfall at the cutline", function()
  check.eq(lines(cmd.feasible), {
    "feasible line 33 (cutline 40): 7 committed items short of staff",
    "  first short: rank 34, item 42 'Ledger event bus': Server by 0.4w",
    "  at the cutline: Server by 9.4w",
  })
  cmd.cut(33)
  check.eq(lines(cmd.feasible),
    { "feasible line 33 (cutline 33): every committed item can be staffed" })
  cmd.cut(40)
end)

t.case("totals: running demand and net supply per skill", function()
  check.eq(lines(cmd.totals), {
    "running demand at rank 40 of 61 (cutline 40, feasible line 33), 13 weeks",
    "  skill      supply   demand      net   people",
    "  Native      101.4       65     36.4      2.8",
    "  Web          97.5       64     33.5     2.58",
    "  Apps           39       25       14     1.08",
    "  Server       93.6      103     -9.4    -0.72",
    "  QA           58.5       57      1.5     0.12",
  })
  local at_top = lines(cmd.totals, 1)
  check.eq(at_top[1], "running demand at rank 1 of 61 (cutline 40, feasible line 33), 13 weeks")
  check.eq(#lines(cmd.totals, 0), 7)
end)

t.case("show prints an item, its running demand and shortfall", function()
  check.eq(lines(cmd.show, 14), {
    "14 'Tap to pay on Android'  rank 30  track Payments  triage 1.5",
    "  estimate: Native:XL,Server:M,QA:M = Native 0, Server 2, QA 2",
    "  tags: ProdTriage:2,EngTriage:1.5,track:Payments",
    "  running: Native 55, Web 47, Apps 11, Server 78, QA 43",
    "  problem: estimate 'Native:XL': unknown size 'XL'",
  })
  check.eq(lines(cmd.show, 42)[5], "  SHORT: Server by 0.4w")
  check.eq(lines(cmd.show, "12")[5], "  below the cutline")
end)

t.case("ls marks short items, the feasible line and the cutline", function()
  local shown = lines(cmd.ls, 31, 41)
  check.eq(#shown, 13)
  check.truthy(shown[1]:find("^ 31     24  Magic link login on web") ~= nil, shown[1])
  check.eq(shown[4], "    ---------- feasible line ----------")
  check.truthy(shown[5]:find("^ 34 !   42  Ledger event bus") ~= nil, shown[5])
  check.eq(shown[5], " 34 !   42  Ledger event bus                       Platform   1.5  Server:2L,QA:M")
  check.eq(shown[12], "    ============== cutline =============")
  check.truthy(shown[13]:find("^ 41      5  Split a bill") ~= nil, shown[13])
end)

t.case("ls keeps whole letters, lines up columns and shows lines at rank 0", function()
  local other = { plan = Plan.load(DIR) }
  local shown = {}
  local c = shell.commands(other, function(line) shown[#shown + 1] = line end)
  other.plan:rename(3, string.rep("\u{e9}", 50))
  other.plan:cut(0)
  c.ls(1, other.plan:rank_of(3))
  check.eq(shown[1], "    ============== cutline =============")
  local row = shown[#shown]
  check.truthy(utf8.len(row) ~= nil, "whole letters: " .. row)
  local name = row:match("^%s*%d+ . +%d+  (.-) %S+ +%S+ +%S+$")
  check.eq(name, string.rep("\u{e9}", 38), row)
  -- No estimates left: said so.
  shown = {}
  c.est(3, "Web", "-", "Server", "-", "QA", "-", "Native", "-", "Apps", "-")
  check.truthy(shown[1]:find(": no estimates (none)", 1, true) ~= nil, shown[1])
end)

t.case("report lists data problems and untriaged work", function()
  local shown = lines(cmd.report)
  check.eq(shown[1], "work 14 'Tap to pay on Android': estimate 'Native:XL': unknown size 'XL'")
  check.eq(shown[#shown], "3 problems, 6 untriaged items")
end)

t.case("bad ids, sizes and ranks are errors that say so", function()
  check.raises(function() cmd.show(99) end, "no work item 99")
  check.raises(function() cmd.est(99, "Web", "M") end, "no work item 99")
  check.raises(function() cmd.est(3, "Web", "XL") end, "bad size 'XL' for Web")
  check.raises(function() cmd.est(3, "Web") end, "give skill and size pairs")
  check.raises(function() cmd.rank(3, 99) end, "3 'Self-service refunds' cannot go to rank 99 (ranks 1..61)")
  check.raises(function() cmd.up(3, -1) end, "bad number of places '-1'")
  check.raises(function() cmd.cut(62) end, "cutline 62 is out of range 0..61")
  check.raises(function() cmd.triage(3, "top") end, "bad triage level 'top'")
  check.raises(function() cmd.add("Sync", "Web:XL") end, "bad estimate 'Web:XL'")
  check.raises(function() cmd.totals(99) end, "rank 99 is out of range 0..61")
  check.raises(function() cmd.assign(99, "Web", 1) end, "no person 99")
  check.raises(function() cmd.triage(3, 1e308) end, "bad triage level '1e+308'")
  check.raises(function() cmd.rename(6, "Bad\255Name\27[2J") end,
    "a name cannot hold invalid UTF-8 (at byte 4)")
  check.raises(function() cmd.tag(6, "track", "\27[2J") end,
    "a tag cannot hold a control character (U+001B)")
end)

t.case("text a file holds that no command stores is shown escaped", function()
  local texts = {}
  for key, file in pairs(Plan.FILES) do
    texts[key] = check.read(file)
  end
  texts.work = texts.work:gsub("\n6\t[^\t]*\t", "\n6\tBad\255Name\27[2J\t", 1)
  texts.people = texts.people:gsub("\n3\tChen Wei\t", "\n3\tChen\27]0;Wei\7\t", 1)
  local other = { plan = Plan.from_texts(texts) }
  local shown = {}
  local c = shell.commands(other, function(line) shown[#shown + 1] = line end)
  local function run(fn, ...)
    shown = {}
    fn(...)
    for _, line in ipairs(shown) do
      check.truthy(utf8.len(line) and not line:find("[\0-\31\127]")
        and not line:find("\194[\128-\159]"), "escaped: " .. line)
    end
    return shown
  end
  local name = "Bad\\xFFName\\u{1B}[2J"
  local report = run(c.report)
  check.eq(report[1], "work 6 '" .. name .. "': the name cannot hold invalid UTF-8 (at byte 4)")
  check.eq(report[5], "person 3 'Chen\\u{1B}]0;Wei\\u{7}': the name cannot hold a control "
    .. "character (U+001B)")
  check.eq(run(c.show, 6)[1], "6 '" .. name .. "'  rank 22  track Payments  triage 1.5")
  local rank = other.plan:rank_of(6)
  check.truthy(run(c.ls, rank, rank)[1]:find(" 22      6  " .. name, 1, true) == 1, shown[1])
  check.truthy(run(c.staff)[3]:find("  3  Chen\\u{1B}]0;Wei\\u{7}", 1, true) == 1, shown[3])
end)

t.case("save writes work.tsv and plan.tsv and keeps backups", function()
  local before = check.read(DIR .. "/work.tsv")
  check.eq(lines(cmd.save), { "saved work.tsv, plan.tsv (previous versions in *.bak)" })
  check.eq(check.read(DIR .. "/work.tsv.bak"), before)
  check.truthy(check.exists(DIR .. "/plan.tsv.bak"), "plan.tsv.bak")
  check.truthy(not check.exists(DIR .. "/people.tsv.bak"), "people.tsv unchanged, not saved")
  local saved = check.read(DIR .. "/work.tsv")
  check.truthy(saved:find("\n61\tCard spending limits\tNative:2L,Web:M\ttrack:Payments,Triage:1\n",
    1, true) ~= nil, "the new item is saved")
end)

t.case("reload reads the saved plan back", function()
  local view_before = session.plan:texts()
  check.eq(lines(cmd.reload), { "reloaded 2026Q1: 61 ranked items, 30 people" })
  check.eq(session.plan:texts(), view_before)
  check.eq(session.plan.plan.cutline, 40)
  check.eq(session.plan:rank_of(61), 4)
end)

t.case("people.tsv is saved when the team changes", function()
  printed = {}
  local pid = cmd.hire("Eva Berg", "Server:1", "track:Payments")
  check.eq(pid, 31)
  check.eq(printed, { "hired 31 'Eva Berg' (Server:1)" })
  check.eq(lines(cmd.assign, 31, "Server", 0.5, "QA", 0.5), { "31 'Eva Berg': Server:0.5,QA:0.5" })
  check.eq(lines(cmd.assign, 31, "QA", 0),
    { "31 'Eva Berg': Server:0.5 (skills add up to 0.5, not 1)" })
  check.eq(lines(cmd.assign, 31, "Server", 0),
    { "31 'Eva Berg': no skills (skills add up to 0, not 1)" })
  check.eq(lines(cmd.assign, 31, "Server", 0.5, "QA", 0.5), { "31 'Eva Berg': Server:0.5,QA:0.5" })
  check.eq(session.plan:supply().Server, 100.1)
  check.eq(lines(cmd.save), { "saved people.tsv (previous versions in *.bak)" })
  check.truthy(check.read(DIR .. "/people.tsv"):find("\n31\tEva Berg\tServer:0.5,QA:0.5\t"
    .. "track:Payments\n", 1, true) ~= nil, "Eva saved")
  check.eq(lines(cmd.save), { "nothing to save: the files hold the plan as it is" })
end)

t.case("install puts the commands into an environment", function()
  local env = {}
  shell.install(env, session, function() end)
  for _, name in ipairs({ "add", "est", "triage", "rank", "up", "down", "cut", "feasible",
    "totals", "show", "save", "ls", "report", "help", "reload" }) do
    check.eq(type(env[name]), "function", name)
  end
  check.eq(#lines(cmd.help), #shell.HELP)
end)

check.clean(DIR)
t.done()
