-- T-shirt sizes, factors, unparsable estimates, and the key:value lists
-- estimates and tags are written in.

local check = require("tests.lib.check")
local estimates = require("lib.estimates")
local kvlist = require("lib.kvlist")

local t = check.suite("test_estimates")

t.case("sizes are weeks", function()
  check.eq(estimates.weeks("S"), 1)
  check.eq(estimates.weeks("M"), 2)
  check.eq(estimates.weeks("L"), 3)
  check.eq(estimates.weeks("Q"), 13)
end)

t.case("a factor multiplies the size", function()
  check.eq(estimates.weeks("4S"), 4)
  check.eq(estimates.weeks("2L"), 6)
  check.eq(estimates.weeks("3M"), 6)
  check.eq(estimates.weeks("10M"), 20)
  check.eq(estimates.weeks("1Q"), 13)
end)

t.case("what is not a size", function()
  for _, text in ipairs({ "", "XL", "l", "m", "0S", "L2", "2.5L", "2 L", "-1S", "?", "3X",
    "S ", "1001S", "99999999999999999999S" }) do
    check.eq(estimates.weeks(text), nil, "size " .. text)
  end
  check.eq(estimates.weeks(nil), nil)
  check.eq(estimates.weeks(3), nil)
end)

t.case("an estimate list gives weeks per skill", function()
  local entries = estimates.parse("Native:L,Web:M,Apps:2S")
  check.eq(#entries, 3)
  check.eq(estimates.totals(entries), { Native = 3, Web = 2, Apps = 2 })
  check.eq(estimates.problems(entries), {})
end)

t.case("unparsable estimates count 0 and are reported", function()
  local entries = estimates.parse("Native:XL,Web:M,QA:3X,Apps,:L")
  check.eq(estimates.totals(entries), { Native = 0, Web = 2, QA = 0, Apps = 0 })
  local problems = estimates.problems(entries)
  check.eq(#problems, 4)
  check.eq(problems[1], { text = "Native:XL", reason = "unknown size 'XL'" })
  check.eq(problems[2].text, "QA:3X")
  check.eq(problems[3], { text = "Apps", reason = "expected SKILL:SIZE" })
  check.eq(problems[4], { text = ":L", reason = "expected SKILL:SIZE" })
end)

t.case("entries of one skill add up", function()
  check.eq(estimates.totals(estimates.parse("Web:M,Web:S")), { Web = 3 })
end)

t.case("lists are written back as read", function()
  for _, text in ipairs({ "", "Native:L", "Native:L,Web:M,Apps:2S", "Native:XL,Web:?",
    "Server:Q,QA:4S" }) do
    check.eq(estimates.format(estimates.parse(text)), text)
  end
  -- Spaces around entries are dropped.
  check.eq(estimates.format(estimates.parse(" Native:L , Web:M ,")), "Native:L,Web:M")
end)

t.case("setting a size replaces, appends or removes", function()
  local entries = estimates.parse("Native:L,Web:M")
  estimates.set(entries, "Native", "2L")
  check.eq(estimates.format(entries), "Native:2L,Web:M")
  estimates.set(entries, "QA", "S")
  check.eq(estimates.format(entries), "Native:2L,Web:M,QA:S")
  estimates.set(entries, "Web", "-")
  check.eq(estimates.format(entries), "Native:2L,QA:S")
  estimates.set(entries, "QA", nil)
  check.eq(estimates.format(entries), "Native:2L")
  check.eq(estimates.totals(entries), { Native = 6 })
end)

t.case("totals are remembered until a size is set", function()
  local entries = estimates.parse("Native:L,Web:M")
  local first = estimates.totals(entries)
  check.eq(first, { Native = 3, Web = 2 })
  check.eq(rawequal(estimates.totals(entries), first), true, "the same table again")
  estimates.set(entries, "Web", "2L")
  check.eq(estimates.totals(entries), { Native = 3, Web = 6 })
  estimates.set(entries, "Native", nil)
  local present = {}
  local weeks, integral = estimates.totals(entries, present)
  check.eq(weeks, { Web = 6 })
  check.eq(integral, true)
  check.eq(present, { Web = true })
  -- A list with weeks no size gives (made by hand) is not integral.
  local made = { { key = "QA", value = "1.5w", weeks = 1.5 } }
  check.eq(select(2, estimates.totals(made)), false)
end)

t.case("setting fixes an unparsable estimate", function()
  local entries = estimates.parse("Native:XL,Web:M")
  estimates.set(entries, "Native", "2L")
  check.eq(estimates.problems(entries), {})
  check.eq(estimates.totals(entries), { Native = 6, Web = 2 })
end)

t.case("bad sizes and skills are errors", function()
  local entries = estimates.parse("Web:M")
  check.raises(function() estimates.set(entries, "Web", "XL") end,
    "bad size 'XL' for Web: use S, M, L or Q")
  check.raises(function() estimates.set(entries, "We b", "M") end, "bad skill 'We b'")
  check.raises(function() estimates.set(entries, nil, "M") end, "bad skill 'nil'")
  check.eq(estimates.format(entries), "Web:M")
end)

t.case("key:value lists", function()
  local tags = kvlist.parse("ProdTriage:2,EngTriage:1,track:Payments,draft")
  check.eq(kvlist.get(tags, "track"), "Payments")
  check.eq(kvlist.get(tags, "EngTriage"), "1")
  check.eq(kvlist.get(tags, "draft"), nil)
  check.truthy(kvlist.has(tags, "draft"), "has draft")
  kvlist.set(tags, "Triage", "1.5")
  kvlist.set(tags, "ProdTriage", nil)
  check.eq(kvlist.format(tags), "EngTriage:1,track:Payments,draft,Triage:1.5")
  kvlist.set(tags, "EngTriage", "2")
  check.eq(kvlist.format(tags), "EngTriage:2,track:Payments,draft,Triage:1.5")
  -- A value may hold a colon; only the first one splits.
  check.eq(kvlist.get(kvlist.parse("doc:http://x/y"), "doc"), "http://x/y")
  check.truthy(kvlist.plain("Payments"), "plain")
  check.truthy(not kvlist.plain("a,b") and not kvlist.plain("a:b") and not kvlist.plain(""),
    "not plain")
end)

t.done()
