-- Slips at the console that changed the plan without a word, or got an
-- unclear answer (a probe of the example plan found them): a word typed
-- without quotes (nil), an empty value, a misspelt skill or tag key,
-- spaces around sizes, lists naming a key twice, part-time hires, and
-- messages that name the command, the item and what was typed.

local check = require("tests.lib.check")
local new_meeting = require("tests.lib.meeting")
local work = require("lib.work")
local kvlist = require("lib.kvlist")
local estimates = require("lib.estimates")
local spelling = require("lib.spelling")

local t = check.suite("test_mistakes")

-- The plan as its files have it, in a meeting (tests/lib/meeting.lua).
local function meeting()
  return new_meeting(".")
end

-- Expects `m.cmd[name](...)` to fail with a message containing
-- `expected`, and to leave the plan's files as they were. (A failure
-- names the caller's line, as check's assertions do.)
local function refused(m, expected, name, ...)
  local before = m.session.plan:texts()
  local ok, message = pcall(m.cmd[name], ...)
  if ok or not tostring(message):find(expected, 1, true) then
    return error(string.format("%s: expected an error containing %q, got %s", name, expected,
      ok and "none" or string.format("%q", tostring(message))), 2)
  end
  for file, text in pairs(m.session.plan:texts()) do
    if text ~= before[file] then
      return error(name .. ": " .. file .. " changed, though the command failed", 2)
    end
  end
end

t.case("est: nil or an empty size is an error, not a removal; \"-\" removes", function()
  local m = meeting()
  local M, Native -- typed without quotes: nil
  refused(m, "est: no size for Native in 3 'Self-service refunds' (forgot the quotes? \"-\" "
    .. "removes it)", "est", 3, "Native", M)
  refused(m, "est: no size for Native in 3 'Self-service refunds' (\"-\" removes it)", "est", 3,
    "Native", "")
  refused(m, "est: no size for Native in 3 'Self-service refunds' (\"-\" removes it)", "est", 3,
    "Native", "  ")
  refused(m, "est: no size for QA in 3", "est", 3, "Web", "L", "QA", M)
  refused(m, "est: no skill for 3 'Self-service refunds' (forgot the quotes? e.g. \"Native\")",
    "est", 3, Native, "M")
  check.eq(m.run("est", 3, "Native", "-"),
    { "3 'Self-service refunds': Web:L,Server:M,QA:S (Web 3, Server 2, QA 1)" })
  -- (The estimates library itself still takes nil as a removal.)
  local entries = estimates.parse("Web:M")
  estimates.set(entries, "Web", nil)
  check.eq(#entries, 0)
end)

t.case("triage: nil is an error; \"-\" removes the explicit level and says what counts", function()
  local m = meeting()
  local one
  refused(m, "triage: no triage level for 3 'Self-service refunds' (1 is most important, then "
    .. "1.5, 2, ...; \"-\" removes the explicit one)", "triage", 3, one)
  refused(m, "triage: no triage level for 2 'Saved cards vault migration'", "triage", 2)
  refused(m, "triage: no triage level for 2", "triage", 2, "")
  check.eq(m.run("triage", 2, 1.5), { "2 'Saved cards vault migration': triage 1.5" })
  check.eq(m.run("triage", 2, "-"),
    { "2 'Saved cards vault migration': explicit triage removed (triage 1 from its group values)" })
  check.eq(m.run("triage", 2, "-"), { "2 'Saved cards vault migration': no explicit triage to "
    .. "remove (triage 1 from its group values)" })
  check.eq(m.run("triage", 60, 2), { "60 'Merchant logos in the feed': triage 2" })
  check.eq(m.run("triage", 60, "-"),
    { "60 'Merchant logos in the feed': explicit triage removed (untriaged)" })
end)

t.case("tag and assign: nil is an error, \"-\" removes", function()
  local m = meeting()
  local Growth, track, half, QA
  refused(m, "tag: no value for tag track of 3 'Self-service refunds' (forgot the quotes? \"-\" "
    .. "removes the tag)", "tag", 3, "track", Growth)
  refused(m, "tag: no value for tag track of 3 'Self-service refunds' (\"-\" removes the tag)",
    "tag", 3, "track", "")
  refused(m, "tag: bad tag key nil for 3 'Self-service refunds' (forgot the quotes? e.g. "
    .. "\"track\")", "tag", 3, track, "Growth")
  check.eq(m.run("tag", 3, "track", "-"),
    { "3 'Self-service refunds': ProdTriage:1.5,EngTriage:2" })
  refused(m, "assign: no fraction for QA of 4 'Dara Okafor' (0 to 1; 0 or \"-\" removes it)",
    "assign", 4, "QA", half)
  refused(m, "assign: no skill for 4 'Dara Okafor' (forgot the quotes? e.g. \"Web\")", "assign",
    4, QA, 0.5)
  check.eq(m.run("assign", 4, "QA", "-"),
    { "4 'Dara Okafor': Native:0.5 (skills add up to 0.5, not 1)" })
  check.eq(m.run("assign", 4, "QA", " 0.5 "), { "4 'Dara Okafor': Native:0.5,QA:0.5" })
  refused(m, "rename: a work item needs a name", "rename", 3, nil)
  refused(m, "cut: give the rank of the cutline, 0..60", "cut", nil)
  refused(m, "rank: give the rank to move it to, 1..60", "rank", 3, nil)
end)

t.case("edit distance: letters added, dropped, changed or swapped, ignoring case", function()
  check.eq(spelling.distance("Native", "Native"), 0)
  check.eq(spelling.distance("Nativ", "Native"), 1)
  check.eq(spelling.distance("Ntaive", "Native"), 1, "a swap is one edit")
  check.eq(spelling.distance("native", "Native"), 0)
  check.eq(spelling.distance("Sevrer", "Server"), 1)
  check.eq(spelling.distance("Data", "Web"), 4)
  check.eq(spelling.distance("", "QA"), 2)
  check.eq(spelling.distance("Café", "Cafe"), 1, "letters, not bytes")
  check.eq(spelling.near("UX", { "Native", "QA" }, spelling.skill_slips), nil)
  check.eq(spelling.near("qa", { "Native", "QA" }, spelling.skill_slips), "QA")
  check.eq(spelling.near("Natve", { "Native", "Web" }, spelling.skill_slips), "Native")
end)

t.case("a skill one slip from a known one is refused; a new one is allowed, with a note", function()
  local m = meeting()
  refused(m, "est: unknown skill 'Nativ' (did you mean 'Native'?)", "est", 60, "Nativ", "M")
  refused(m, "est: unknown skill 'Sevrer' (did you mean 'Server'?)", "est", 60, "Sevrer", "M")
  refused(m, "est: unknown skill 'Wbe' (did you mean 'Web'?)", "est", 60, "Wbe", "M")
  refused(m, "est: unknown skill 'Nativ' (did you mean 'Native'?)", "est", 60, "Nativ", "-")
  refused(m, "add: unknown skill 'Aps' (did you mean 'Apps'?)", "add", "X", "Aps:M")
  refused(m, "assign: unknown skill 'Webb' (did you mean 'Web'?)", "assign", 4, "Webb", 0.5)
  refused(m, "hire: unknown skill 'Servr' (did you mean 'Server'?)", "hire", "Ann", "Servr:1")
  refused(m, "hire: unknown skill 'qa' (did you mean 'QA'?)", "hire", "Ann", "qa:1")
  check.eq(m.run("est", 60, "Data", "M"), { "60 'Merchant logos in the feed': "
    .. "Native:S,Web:S,Apps:M,Data:M (Native 1, Web 1, Apps 2, Data 2); note: no one has Data "
    .. "(supply 0)" })
  -- Data is a skill of the plan now: a slip from it is refused too.
  refused(m, "est: unknown skill 'Dta' (did you mean 'Data'?)", "est", 59, "Dta", "S")
  -- Two-letter names differ from each other in every way: UX is not QA.
  check.eq(m.run("add", "Design review", "UX:M,Web:S"),
    { "added 61 'Design review' at rank 61; note: no one has UX (supply 0)" })
  check.eq(m.run("assign", 4, "Design", 0.25), { "4 'Dara Okafor': Native:0.5,QA:0.5,Design:0.25 "
    .. "(skills add up to 1.25, not 1); note: new skill Design, no work item estimates it" })
  check.eq(m.run("est", 61, "UX", "-"), { "61 'Design review': Web:S (Web 1)" })
end)

t.case("up and down: a number of places given as nil is an error, left out is one", function()
  local m = meeting()
  refused(m, "up: no number of places (a word without quotes?", "up", 30, nil)
  refused(m, "down: no number of places (a word without quotes?", "down", 30, nil)
  local rank = m.session.plan:rank_of(30)
  m.run("up", 30)
  check.eq(m.session.plan:rank_of(30), rank - 1)
  m.run("down", 30)
  check.eq(m.session.plan:rank_of(30), rank)
end)

t.case("a track one slip from one the plan uses is refused; a new one is not", function()
  local m = meeting()
  refused(m, "tag: unknown track 'growth' (did you mean 'Growth'?)", "tag", 60, "track", "growth")
  refused(m, "tag: unknown track 'Paymnets' (did you mean 'Payments'?)", "tag", 60, "track",
    "Paymnets")
  refused(m, "add: unknown track 'Onbording' (did you mean 'Onboarding'?)", "add", "X", "Web:S",
    "track:Onbording")
  check.eq(m.run("tag", 60, "track", "Security"), { "60 '" .. m.session.plan.work.by_id[60].name
    .. "': track:Security" })
end)

t.case("a tag key one slip from one the plan reads is refused", function()
  local m = meeting()
  refused(m, "tag: unknown tag key 'triage' (did you mean 'Triage'?)", "tag", 60, "triage", "1")
  refused(m, "tag: unknown tag key 'Track' (did you mean 'track'?)", "tag", 60, "Track", "Growth")
  refused(m, "tag: unknown tag key 'trak' (did you mean 'track'?)", "tag", 60, "trak", "Growth")
  refused(m, "tag: unknown tag key 'Traige' (did you mean 'Triage'?)", "tag", 60, "Traige", "1")
  refused(m, "tag: unknown tag key 'EngTraige' (did you mean 'EngTriage'?)", "tag", 60,
    "EngTraige", "1")
  refused(m, "tag: unknown tag key 'DesignTriag' (did you mean 'DesignTriage'?)", "tag", 60,
    "DesignTriag", "1")
  refused(m, "tag: unknown tag key 'Designtriage' (did you mean 'DesignTriage'?)", "tag", 60,
    "Designtriage", "1")
  refused(m, "tag: unknown tag key 'Track'", "tag", 60, "Track", "-")
  refused(m, "add: unknown tag key 'Track' (did you mean 'track'?)", "add", "X", "Web:S",
    "Track:Growth")
  refused(m, "hire: unknown tag key 'TRACK' (did you mean 'track'?)", "hire", "Ann", "Web:1",
    "TRACK:Growth")
  -- Keys far from those are tags of their own; a new group's triage counts.
  check.eq(m.run("tag", 60, "owner", "ana"), { "60 'Merchant logos in the feed': owner:ana" })
  check.eq(m.run("tag", 60, "DesignTriage", 1.5),
    { "60 'Merchant logos in the feed': owner:ana,DesignTriage:1.5" })
  check.eq(work.triage(m.session.plan:item(60)), 1.5)
  refused(m, "tag: unknown tag key 'Owner' (did you mean 'owner'?)", "tag", 59, "Owner", "bo")
end)

-- Scratch space for a test that saves.
local SCRATCH = "tests/tmp/mistakes"

t.case("a skill or track refused as a slip is taken as new after allow(name), until a save",
  function()
  local m = meeting()
  refused(m, "est: unknown skill 'Web3' (did you mean 'Web'?); if it is new, allow(\"Web3\") first",
    "est", 60, "Web3", "M")
  refused(m, "tag: unknown track 'Growth2' (did you mean 'Growth'?); if it is new, "
    .. "allow(\"Growth2\") first", "tag", 60, "track", "Growth2")
  -- A name that cannot be typed back as it is shown is quoted as Lua reads it.
  refused(m, [[tag: unknown track 'Gro"wth' (did you mean 'Growth'?); if it is new, ]]
    .. [[allow("Gro\"wth") first]], "tag", 60, "track", 'Gro"wth')
  -- Tag keys are not allowed so: nothing but the plan reads them.
  refused(m, "tag: unknown tag key 'tracks' (did you mean 'track'?)", "tag", 60, "tracks", "x")
  refused(m, "allow: a skill or track to allow, e.g. allow(\"Web3\")", "allow", nil)
  refused(m, "allow: a skill or track to allow", "allow", "  ")

  -- Spaces around the name go, as the commands drop them.
  check.eq(m.run("allow", " Web3 "),
    { "allowed 'Web3' as a new name until the plan is saved or loaded again" })
  check.eq(m.run("est", 60, "Web3", "M"), { "60 'Merchant logos in the feed': "
    .. "Native:S,Web:S,Apps:M,Web3:M (Native 1, Web 1, Apps 2, Web3 2); note: no one has Web3 "
    .. "(supply 0)" })
  -- Only the name allowed: a slip is still refused.
  refused(m, "est: unknown skill 'Wbe' (did you mean 'Web'?)", "est", 59, "Wbe", "M")
  m.run("allow", "Growth2")
  m.run("tag", 60, "track", "Growth2")
  check.eq(kvlist.get(m.session.plan:item(60).tags, "track"), "Growth2")
  -- A save ends it (Web3 and Growth2 are an item's now, so known); on a
  -- copy of the plan in tests/tmp/mistakes, which it saves to.
  check.copy_plan(SCRATCH)
  m.session.plan.dir = SCRATCH
  m.run("allow", "Onboarding2")
  m.run("save")
  refused(m, "tag: unknown track 'Onboarding2' (did you mean 'Onboarding'?)", "tag", 59, "track",
    "Onboarding2")
  check.eq(m.run("est", 59, "Web3", "S")[1]:match("Web3:S") ~= nil, true)
  -- So does a load of the files.
  m.run("allow", "Onboarding2")
  m.run("reload")
  refused(m, "tag: unknown track 'Onboarding2' (did you mean 'Onboarding'?)", "tag", 59, "track",
    "Onboarding2")
  check.clean(SCRATCH)
end)

t.case("messages name the command, the item and what was typed", function()
  local m = meeting()
  refused(m, "totals: rank 'x' is not a number (0..60)", "totals", "x")
  refused(m, "totals: rank 2.5 is not a whole number (0..60)", "totals", 2.5)
  refused(m, "totals: rank 99 is out of range 0..60", "totals", 99)
  refused(m, "est: bad size 'm' for Native in 60 'Merchant logos in the feed' (did you mean "
    .. "'M'?)", "est", 60, "Native", "m")
  refused(m, "est: bad size 'XL' for Native in 60 'Merchant logos in the feed': use S, M, L or Q "
    .. "with an optional factor, e.g. M or 2L", "est", 60, "Native", "XL")
  refused(m, "est: bad skill 'We b' for 60 'Merchant logos in the feed' (a skill is a letter, "
    .. "then letters, digits or _)", "est", 60, "We b", "M")
  refused(m, "down: bad number of places '-2' for 60 'Merchant logos in the feed' (a whole "
    .. "number, 0 or more)", "down", 60, -2)
  refused(m, "triage: bad triage level '" .. tostring(0 / 0) .. "' for 2 'Saved cards vault "
    .. "migration': not a number (1 is most important", "triage", 2, 0 / 0)
  refused(m, "triage: bad triage level 'top' for 2 'Saved cards vault migration': not a number",
    "triage", 2, "top")
  refused(m, "triage: bad triage level '0' for 2 'Saved cards vault migration': not above 0",
    "triage", 2, 0)
  refused(m, "tag: bad tag 'track:a,b' for 3 'Self-service refunds': a tag's key and value cannot "
    .. "hold ',' or ':'", "tag", 3, "track", "a,b")
  refused(m, "show: no work item 99", "show", 99)
  refused(m, "ls: rank 'a' is not a number (1..60)", "ls", "a")
  refused(m, "ls: rank 2.5 is not a whole number (1..60)", "ls", 1, 2.5)
  check.eq(m.run("ls", 50, 40),
    { "no items in 50..40: the first rank is after the last (ls(40, 50) lists them)" })
  check.eq(m.run("ls", 65, 70), { "no items in 65..70 (ranks 1..60)" })
  check.eq(m.run("ls", 80, 70), { "no items in 80..70 (ranks 1..60)" })
  check.eq(m.run("ls", 100), { "no items from rank 100 (ranks 1..60)" })
  check.eq(#m.run("ls", 59), 2)
  check.eq(m.run("up", 1), { "1 'Apple Pay and Google Pay at checkout': already first "
    .. "(cutline 42, feasible line 32)" })
  check.eq(m.run("down", 60, 3), { "60 'Merchant logos in the feed': already last, rank 60 "
    .. "(cutline 42, feasible line 32)" })
  check.eq(m.run("rank", 5, 40), { "5 'Split a bill with friends': stays at rank 40 "
    .. "(cutline 42, feasible line 32)" })
  check.eq(m.run("up", 5, 0), { "5 'Split a bill with friends': stays at rank 40 "
    .. "(cutline 42, feasible line 32)" })
  check.eq(m.run("feasible")[2],
    "  first short: rank 33, item 42 'Ledger event bus': Server by 0.4w")
end)

t.case("spaces around names and sizes are dropped, in add as in est and tag", function()
  local m = meeting()
  local p = m.session.plan
  check.eq(m.run("add", "X3", " Native: M, Web :S ", "track: Growth , ProdTriage : 2"),
    { "added 61 'X3' at rank 61" })
  check.eq(kvlist.format(p:item(61).estimates), "Native:M,Web:S")
  check.eq(kvlist.format(p:item(61).tags), "track:Growth,ProdTriage:2")
  check.eq(m.run("est", 61, " Native ", " L "), { "61 'X3': Native:L,Web:S (Native 3, Web 1)" })
  check.eq(m.run("tag", 61, " track ", " Payments "), { "61 'X3': track:Payments,ProdTriage:2" })
  check.eq(m.run("triage", 61, " 1.5 "), { "61 'X3': triage 1.5" })
  check.eq(m.run("hire", "Ann", " Web : 0.5 , QA:0.5", "track : Growth"),
    { "hired 31 'Ann' (Web:0.5,QA:0.5)" })
  local texts = p:texts()
  check.truthy(texts.work:find("\n61\tX3\tNative:L,Web:S\ttrack:Payments,ProdTriage:2,Triage:1.5\n",
    1, true), "saved as the plan writes lists")
  check.truthy(texts.people:find("\n31\tAnn\tWeb:0.5,QA:0.5\ttrack:Growth\n", 1, true),
    "Ann saved as the plan writes lists")
end)

t.case("a skill or a tag key given twice, or a tag without a value, is refused", function()
  local m = meeting()
  refused(m, "add: skill Native is given twice ('Native:M', 'Native:L'): give each skill once",
    "add", "X", "Native:M,Native:L")
  refused(m, "add: tag track is given twice ('track:A', 'track:B'): give each tag once", "add",
    "X", "Web:S", "track:A,track:B")
  refused(m, "add: tag 'track' has no value (write key:value, e.g. track:Growth)", "add", "X",
    "Web:S", "track")
  refused(m, "add: tag 'track:' has no value", "add", "X", "Web:S", "track:")
  refused(m, "hire: skill Web is given twice ('Web:0.5', 'Web:0.5')", "hire", "Ann",
    "Web:0.5,Web:0.5")
  refused(m, "hire: tag 'track' has no value", "hire", "Ann", "Web:1", "track")
end)

t.case("a part-time hire is allowed and said; more than 1 is refused", function()
  local m = meeting()
  local p = m.session.plan
  check.eq(m.run("hire", "Ann", "Web:0.5", ""),
    { "hired 31 'Ann' (Web:0.5; part time: skills add up to 0.5)" })
  check.eq(p:supply().Web, 104)
  refused(m, "hire: Bo: skills add up to 1.5, more than 1", "hire", "Bo", "Web:1,QA:0.5")
  refused(m, "hire: Bo: no skills", "hire", "Bo", "")
  check.eq(m.run("hire", "Cy", "Design:1"),
    { "hired 32 'Cy' (Design:1); note: new skill Design, no work item estimates it" })
  check.eq(m.run("assign", 31, "Web", "-"), { "31 'Ann': no skills (skills add up to 0, not 1)" })
end)

t.done()
