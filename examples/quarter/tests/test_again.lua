-- The analysis the host's views share, made again from the last one after
-- each change (`Plan:analyze_again`): the same as one made afresh.

local check = require("tests.lib.check")
local Plan = require("lib.plan")
local work = require("lib.work")

local t = check.suite("test_again")

-- What an analysis says, for comparing two: every field views read (its
-- rows and maps of skills as text, the rows' estimates, items and their
-- weeks by identity), and with `running` the running demand at each rank.
local function said(a, running)
  local skills = a.skills
  local function value(v)
    return math.type(v) == "float" and string.format("%.17g.", v) or tostring(v)
  end
  local function by_skill(map)
    local parts, n = {}, 0
    for _ in pairs(map) do
      n = n + 1
    end
    for _, skill in ipairs(skills) do
      if map[skill] ~= nil then
        parts[#parts + 1] = skill .. "=" .. value(map[skill])
      end
    end
    check.eq(#parts, n, "every key a skill")
    return table.concat(parts, " ")
  end
  local rows, unparsed = {}, {}
  for rank, row in ipairs(a.rows) do
    local short = {}
    for i, over in ipairs(row.short) do
      short[i] = over.skill .. "=" .. value(over.weeks)
    end
    -- (Estimates by identity: in plans of whole weeks, the items' weeks.)
    rows[rank] = table.concat({ row.id, row.name, value(row.rank), tostring(row.track),
      value(row.triage), tostring(row.estimates), table.concat(short, " "),
      table.concat(row.unparsed or { "-" }, " "), tostring(a.items[rank]),
      tostring(a.weeks[rank]),
      running and by_skill(a:running(rank)) or "" }, "|")
    unparsed[rank] = a.unparsed[a.items[rank]] or false
  end
  return { skills = skills, supply = by_skill(a.supply), cutline = a.cutline,
    feasible = a.feasible, demand = by_skill(a.demand), integral = a.integral,
    unparsed = unparsed, rows = rows, count = #a.items }
end

-- An analysis made afresh, the work items' estimates counted afresh too
-- (the plan's remembered counts put back after; false, not nil: piccolo
-- 0.3.3 can fail to grow a table whose keys were removed).
local function afresh(p)
  local counted = p.work.estimated
  p.work.estimated = false
  local a = p:analyze()
  p.work.estimated = counted
  return a
end

t.case("an analysis made again after any change is the one made afresh", function()
  -- Random edits (a fixed sequence): mostly moves and estimate edits,
  -- which take the last analysis up to date, and every other kind of
  -- change, which walks again; on the example plan, on one whose every item fits and on one
  -- with a cutline past the feasible line by far.
  local random = check.seeded(4242)
  for _, shape in ipairs({ "example", "fits", "short" }) do
    local p = Plan.load(".")
    if shape == "fits" then
      for _ = 1, 20 do
        p:hire("More", "Native:0.2,Web:0.2,Apps:0.2,Server:0.2,QA:0.2")
      end
    elseif shape == "short" then
      p:cut(55)
    end
    local a = p:analyze_again(nil)
    check.eq(said(a, true), said(afresh(p), true), shape .. ", the first")
    local kept, kept_edits, lines = 0, 0, {}
    local sizes = { "S", "M", "L", "2L", "Q", "-" }
    for step = 1, 60 do
      local ranking = p.plan.ranking
      local count = #ranking
      local id = ranking[random(count)]
      -- Near the lines moves matter most: at the feasible line, the
      -- cutline, and the last rank the walk added up (the further one).
      local near = ({ a.feasible, p.plan.cutline, math.max(a.feasible + 1, p.plan.cutline) })[random(3)]
      local near_id = ranking[math.max(1, math.min(count, near + random(5) - 3))]
      local pick = random(40)
      local moved, edited = true, false
      if pick <= 8 then
        p:move(id, random(count))
      elseif pick <= 16 then
        p:move(near_id, math.max(1, math.min(count, near + random(9) - 5)))
      elseif pick <= 19 then
        p:up(random(2) == 1 and id or near_id, random(3) == 1 and random(40) or 1)
      elseif pick <= 22 then
        p:down(random(2) == 1 and id or near_id, random(3) == 1 and random(40) or 1)
      elseif pick <= 24 then
        p:move(id, random(2) == 1 and 1 or count) -- to an end
      elseif pick == 25 then
        -- (Straight into the ranking, as a console user may.)
        local i, j = random(count), random(count)
        ranking[i], ranking[j] = ranking[j], ranking[i]
        moved = false
      elseif pick == 26 then
        p:rename(id, "Renamed " .. step)
      elseif pick <= 30 then
        -- A new triage level or another track, at times read again before
        -- the views (as `show` does).
        if pick <= 28 then
          p:set_triage(id, random(4) == 1 and "-" or tostring(100 + step))
        else
          local track = work.track(p:item(id))
          p:set_tag(id, "track", track == "Payments" and "Growth" or "Payments")
        end
        if random(2) == 1 then
          work.track_and_triage(p:item(id))
        end
      elseif pick == 31 then
        -- (Data: a skill no one has, and few items ask for.)
        p:estimate(random(2) == 1 and id or near_id,
          ({ "Native", "Web", "Server", "QA", "Data" })[random(5)], sizes[random(6)])
        moved, edited = false, true
      elseif pick == 32 then
        p:assign(random(#p.people.list), "Server", random(4) / 4)
        moved, edited = false, true
      elseif pick == 33 then
        p:cut(random(3) == 1 and random(3) - 1 or random(count + 1) - 1)
        moved, edited = false, true
      elseif pick == 34 then
        p:unrank(id)
        p:move(id, random(count))
        moved = false
      elseif pick == 35 then
        local new_id = p:add("New " .. step, "Web:M,QA:S")
        p:move(new_id, random(count + 1))
        moved = false
      elseif pick == 36 then
        p.work.by_id[id].name = "Named in place " .. step
      elseif pick == 37 then
        -- Two moves at once, and an item taken out for a new one at its
        -- rank next to a move: rarely one item moved.
        p:move(id, random(count))
        p:move(near_id, random(count))
        moved = false
      elseif pick == 38 then
        local rank = p:rank_of(id)
        p:remove(id)
        local new_id = p:add("Instead " .. step, "Data:S")
        p:move(new_id, rank)
        p:move(near_id, random(count))
        moved = false
      elseif pick == 39 then
        -- Two items' estimates at once.
        p:estimate(id, "Web", sizes[random(6)], "QA", sizes[random(6)])
        p:estimate(near_id, "Native", sizes[random(6)])
        moved, edited = false, true
      end
      -- (Otherwise nothing changed.)
      local last = a
      a = p:analyze_again(a)
      if moved and a == last then
        kept = kept + 1
      elseif edited and a == last then
        kept_edits = kept_edits + 1
      end
      local running = step % 20 == 0
      check.eq(said(a, running), said(afresh(p), running), shape .. ", step " .. step)
      lines[a.feasible] = true
    end
    -- (Most changes were taken from the last analysis, and the line went
    -- far enough to mean something.)
    check.eq(kept > 25, true, shape .. ": kept " .. kept)
    check.eq(kept_edits > 2, true, shape .. ": estimate edits kept " .. kept_edits)
    local seen = 0
    for _ in pairs(lines) do
      seen = seen + 1
    end
    check.eq(seen > (shape == "fits" and 1 or 3), true, shape .. ": lines seen " .. seen)
  end
end)


t.case("moves across the cutline, and changes that look like one move", function()
  -- A skill only two items ask for, taken in and out of the demand at the
  -- cutline by moves to it, past it and back.
  local p = Plan.load(".")
  local cutline, ranking = p.plan.cutline, p.plan.ranking
  local rare, other = ranking[cutline - 3], ranking[cutline + 5]
  p:estimate(rare, "Data", "M")
  p:estimate(other, "Data", "S")
  local a = p:analyze_again(nil)
  local moves = { { rare, cutline }, { rare, cutline + 1 }, { rare, cutline },
    { rare, cutline + 2 }, { other, cutline }, { rare, 1 }, { other, cutline + 1 },
    { rare, cutline + 1 }, { rare, cutline } }
  for i, move in ipairs(moves) do
    local last = a
    p:move(move[1], move[2])
    a = p:analyze_again(a)
    check.eq(a, last, "move " .. i .. " taken from the last analysis")
    check.eq(said(a), said(afresh(p)), "move " .. i)
  end
  check.eq(a.demand.Data, 2)
  -- An item pulled to the top while the one it passed first is swapped
  -- for one that was not ranked: the ends look like one move, the rank
  -- next to the top does not.
  local unranked = ranking[30]
  p:unrank(unranked)
  a = p:analyze_again(a)
  check.eq(said(a), said(afresh(p)), "unranked")
  local top, cut = ranking[1], p.plan.cutline
  p:move(ranking[20], 1)
  p:unrank(top)
  p:move(unranked, 2)
  p:cut(cut) -- (where it was before the unranking above it)
  local last = a
  a = p:analyze_again(a)
  check.eq(a ~= last, true, "walked again")
  check.eq(said(a), said(afresh(p)), "one item swapped for another")
  -- The cutline at the top, its item over supply (a skill no one has):
  -- the line at 0, the walk stopped at rank 1.
  p:cut(1)
  p:estimate(ranking[1], "Data", "S")
  a = p:analyze_again(a)
  p:move(ranking[5], 3)
  last = a
  a = p:analyze_again(a)
  check.eq(a, last, "taken from the last analysis")
  check.eq(a.feasible, 0)
  check.eq(said(a), said(afresh(p)), "the line at 0")
end)


t.case("estimate, staff and cutline edits", function()
  local p = Plan.load(".")
  local ranking, cutline = p.plan.ranking, p.plan.cutline
  local a = p:analyze_again(nil)
  local function again(what, kept)
    local last = a
    a = p:analyze_again(a)
    check.eq(a == last, kept, what .. (kept and ": taken from the last analysis" or ": walked"))
    check.eq(said(a), said(afresh(p)), what)
  end
  p:estimate(ranking[5], "Web", "Q")
  again("an estimate grown", true)
  p:estimate(ranking[5], "Web", "S")
  again("and shrunk", true)
  -- (Data: no one has it; the item at the cutline counts in the demand.)
  p:estimate(ranking[cutline], "Data", "M")
  again("a skill no one estimated", false)
  p:estimate(ranking[cutline + 3], "Data", "S")
  again("asked for below the cutline", true)
  p:estimate(ranking[cutline], "Data", "-")
  again("no longer at the cutline", true)
  check.eq(a.demand.Data, nil)
  p:estimate(ranking[cutline], "Data", "L")
  again("at the cutline again", true)
  check.eq(a.demand.Data, 3)
  p:estimate(ranking[cutline], "Data", "-")
  p:estimate(ranking[cutline + 3], "Data", "-")
  again("asked for by no one", false)
  check.eq(a.skills[#a.skills], "QA")
  p:estimate(ranking[10], "QA", "2L")
  p:move(ranking[40], 2)
  again("an edit and a move", false)
  -- Supply: more and less of a skill, a skill no one estimates, and an
  -- edit of both supply and estimates.
  p:assign(1, "Server", 0)
  again("less supply", true)
  p:assign(1, "Server", 1)
  p:hire("Dee", "Native:1")
  again("more supply", true)
  local data = p:hire("Eve", "Data:0.5")
  again("a skill no one estimates", false)
  p:assign(data, "Data", 1)
  again("more of it", true)
  p:leave(data)
  again("gone again", false)
  p:assign(1, "Server", 0.5)
  p:estimate(ranking[12], "QA", "S")
  again("people and estimates", false)
  -- The cutline: down to the feasible line and to the top, up past every
  -- rank walked, to the bottom; with a move at once, walked.
  p:cut(a.feasible)
  again("the cutline at the feasible line", true)
  p:cut(0)
  again("at the top", true)
  check.eq(a.demand, {})
  p:cut(55)
  again("far down", true)
  p:cut(#ranking)
  again("at the bottom", true)
  p:cut(40)
  p:move(ranking[50], 1)
  again("a cut and a move", false)
  -- (By hand at the console: a cutline below 0 or not whole, and back.)
  for _, cutline in ipairs({ -1, 1.5, 3 }) do
    p.plan.cutline = cutline
    again("a cutline of " .. cutline .. " set by hand", false)
  end
  p:cut(5)
  again("a cutline cut again", true)
  -- (By hand at the console: weeks below 0, so supply below 0; then back.)
  local weeks = p.plan.weeks
  p.plan.weeks = -1
  again("a supply below 0", false)
  p.plan.weeks = weeks
  again("weeks back", false)
  -- (By hand at the console: out of the work list, still ranked.)
  local item = p:item(ranking[7])
  for i, listed in ipairs(p.work.items) do
    if listed == item then
      table.remove(p.work.items, i)
      break
    end
  end
  again("a ranked item out of the work list", false)
end)

t.case("estimates counted again: an item listed twice by hand counts twice", function()
  local p = Plan.load(".")
  local item = p.work.items[3]
  table.insert(p.work.items, item)
  p:estimate(item.id, "Data", "S")
  p.work.estimated = false
  check.eq(p:skills()[6], "Data", "counted afresh, both listings")
  p:estimate(item.id, "Data", "-")
  check.eq(p:skills(), { "Native", "Web", "Apps", "Server", "QA" }, "Data gone from both")
  check.eq(said(p:analyze_again(nil)), said(afresh(p)))
end)

t.done()
