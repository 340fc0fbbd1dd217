-- Short commands for a planning meeting, typed at the planhost console
-- (or `lua5.4 -i plan.lua`). Each prints a one-line confirmation; a bad id,
-- size or rank is an error saying so, after the command's name
-- (`est: no work item 99`).
--
--   add("Card freeze", "Native:M,Web:S", "track:Payments")  --> new id
--   est(3, "Native", "2L", "Web", "M")   triage(3, 1.5)   tag(3, "track", "-")
--   rank(3, 1)   up(3)   down(3, 2)   cut(40)   unrank(3)   remove(3)
--   feasible()   totals()   show(3)   ls()   report()   save()

local Plan = require("lib.plan")
local work = require("lib.work")
local people = require("lib.people")
local estimates = require("lib.estimates")
local kvlist = require("lib.kvlist")
local num = require("lib.num")
local tsv = require("lib.tsv")

local M = {}

-- Text from the data files goes to the terminal escaped: a file edited by
-- hand may hold control characters (an escape sequence would act on the
-- terminal) or bytes that are not UTF-8, which no command stores.
local shown = tsv.escaped

M.HELP = {
  { "add(name, estimates, tags)", "add a work item ranked last, e.g. add(\"Card freeze\", "
    .. "\"Native:M,Web:S\", \"track:Payments\"); returns its id" },
  { "est(id, skill, size, ...)", "set sizes, e.g. est(3, \"Native\", \"2L\", \"Web\", \"M\"); "
    .. "size \"-\" removes" },
  { "triage(id, level)", "set the explicit triage (1, 1.5, 2, ...); \"-\" removes it" },
  { "tag(id, key, value)", "set a tag, e.g. tag(3, \"track\", \"Payments\"); \"-\" removes" },
  { "rename(id, text)", "rename a work item" },
  { "rank(id, pos)", "move a work item to rank pos (an unranked one is ranked there)" },
  { "up(id [, n])", "move up n places (default 1)" },
  { "down(id [, n])", "move down n places (default 1)" },
  { "unrank(id)", "take a work item out of the ranking (it stays in work.tsv)" },
  { "remove(id)", "delete a work item (from work.tsv at save(); until then reload() undoes it)" },
  { "cut(n)", "set the cutline to rank n (0 commits nothing)" },
  { "feasible()", "print the feasible line and the items short of staff" },
  { "totals([rank])", "running demand per skill at a rank (default the cutline) and net supply" },
  { "show(id)", "print one work item" },
  { "ls([from [, to]])", "print the ranking with the cutline and feasible line" },
  { "staff()", "print the people and their skills" },
  { "hire(name, skills, tags)", "add a person, e.g. hire(\"Ann\", \"Web:0.5,QA:0.5\", "
    .. "\"track:Payments\"); part time is fine" },
  { "assign(pid, skill, fraction, ...)", "set a person's skill fractions; 0 or \"-\" removes" },
  { "leave(pid)", "take a person off the team (from people.tsv at save(); until then reload() "
    .. "undoes it)" },
  { "allow(name)", "take a skill or track one slip from a known one as new until the next save, "
    .. "e.g. allow(\"Web3\") beside Web" },
  { "report()", "unparsable estimates, untriaged and unranked work, odd skill sums" },
  { "save()", "write the files the plan changed (work, plan, people .tsv); keeps .bak copies" },
  { "reload()", "read the files again, dropping unsaved edits" },
}

local function label(item)
  return string.format("%d '%s'", item.id, shown(item.name))
end

local function weeks_text(skills, weeks)
  local parts = {}
  for _, skill in ipairs(skills) do
    if weeks[skill] ~= nil then
      parts[#parts + 1] = skill .. " " .. num.text(weeks[skill])
    end
  end
  if #parts == 0 then
    return "none"
  end
  return table.concat(parts, ", ")
end

-- `text` cut or padded to `width` characters (not bytes: a name in any
-- script keeps whole letters and the columns after it line up).
local function fit(text, width)
  local count = utf8.len(text)
  if not count then
    return string.format("%-" .. width .. "s", text:sub(1, width))
  end
  if count > width then
    text = text:sub(1, utf8.offset(text, width + 1) - 1)
    count = width
  end
  return text .. string.rep(" ", width - count)
end

-- "; note: no one has Data (supply 0)" for the `skills` (a list) that
-- no one has, or "".
local function unsupplied_note(p, skills)
  local supply, none, seen = p:supply(), {}, {}
  for _, skill in ipairs(skills) do
    if (supply[skill] or 0) == 0 and not seen[skill] then
      seen[skill] = true
      none[#none + 1] = skill
    end
  end
  if #none == 0 then
    return ""
  end
  return "; note: no one has " .. table.concat(none, ", ") .. " (supply 0)"
end

-- The same for skills new to the plan that a person now has: no work
-- item estimates them.
local function unneeded_note(person, new)
  local fractions, named = people.fractions(person), {}
  for _, skill in ipairs(new) do
    if fractions[skill] then
      named[#named + 1] = skill
    end
  end
  if #named == 0 then
    return ""
  end
  return "; note: new skill " .. table.concat(named, ", ") .. ", no work item estimates it"
end

-- "cutline 42" or "cutline 42 -> 41".
local function cutline_text(old, new)
  if old == new then
    return string.format("cutline %d", new)
  end
  return string.format("cutline %d -> %d", old, new)
end

-- A command whose errors start with its name (`est: no work item 99`):
-- a line may call several, and the message says which failed.
local function named(name, command)
  local function pass(ok, ...)
    if ok then
      return ...
    end
    local problem = ...
    if type(problem) == "string" then
      error(name .. ": " .. problem, 0)
    end
    error(problem, 0)
  end
  return function(...)
    return pass(pcall(command, ...))
  end
end

local function short_text(short)
  local parts = {}
  for i, s in ipairs(short) do
    parts[i] = s.skill .. " by " .. num.text(s.weeks) .. "w"
  end
  return table.concat(parts, ", ")
end

-- The commands, as a table of functions over `session.plan`; `out` prints
-- one line (default `print`).
function M.commands(session, out)
  out = out or print
  local c = {}
  local function plan()
    return session.plan
  end
  local function lines_where(p)
    return string.format("cutline %d, feasible line %d", p.plan.cutline, p:feasible())
  end

  function c.help()
    for _, entry in ipairs(M.HELP) do
      out(string.format("%-34s %s", entry[1], entry[2]))
    end
  end

  function c.add(name, estimate_text, tag_text)
    local p = plan()
    local id = p:add(name, estimate_text, tag_text)
    local item = p:item(id)
    local skills = {}
    for i, entry in ipairs(item.estimates) do
      skills[i] = entry.key
    end
    out(string.format("added %s at rank %d%s", label(item), p:count(), unsupplied_note(p, skills)))
    return id
  end

  function c.est(id, ...)
    local p = plan()
    local item, sized = p:estimate(id, ...)
    local skills = p:skills()
    local text = estimates.format(item.estimates)
    out(string.format("%s: %s (%s)%s", label(item), text ~= "" and shown(text) or "no estimates",
      weeks_text(skills, work.weeks(item)), unsupplied_note(p, sized)))
  end

  function c.triage(id, level)
    local p = plan()
    local item, had = p:set_triage(id, level)
    local merged = work.triage(item)
    local merged_text = merged and "triage " .. num.text(merged) .. " from its group values"
      or "untriaged"
    if had == true then
      out(string.format("%s: explicit triage removed (%s)", label(item), merged_text))
    elseif had == false then
      out(string.format("%s: no explicit triage to remove (%s)", label(item), merged_text))
    else
      out(string.format("%s: triage %s", label(item), num.text(merged)))
    end
  end

  function c.tag(id, key, value)
    local item = plan():set_tag(id, key, value)
    local text = kvlist.format(item.tags)
    out(string.format("%s: %s", label(item), text ~= "" and shown(text) or "no tags"))
  end

  function c.rename(id, text)
    local item = plan():rename(id, text)
    out(string.format("%d renamed '%s'", item.id, item.name))
  end

  -- `how` is "up" or "down" for those commands: an item that cannot move
  -- further is said to be first or last.
  local function moved(p, id, from, to, how)
    local item = p:item(id)
    local where = lines_where(p)
    if from ~= to then
      out(string.format("%s: rank %s -> %d (%s)", label(item), from and tostring(from) or "none",
        to, where))
    elseif how == "up" and to == 1 then
      out(string.format("%s: already first (%s)", label(item), where))
    elseif how == "down" and to == p:count() then
      out(string.format("%s: already last, rank %d (%s)", label(item), to, where))
    else
      out(string.format("%s: stays at rank %d (%s)", label(item), to, where))
    end
  end

  function c.rank(id, pos)
    local p = plan()
    local from, to = p:move(id, pos)
    moved(p, id, from, to)
  end

  -- The number of places is optional, but one given as nil (`up(12,
  -- two)`, a word without quotes) is a slip, not "one place".
  local function given_places(...)
    if select("#", ...) > 0 and (...) == nil then
      error("no number of places (a word without quotes? give a number, or leave it out "
        .. "for one place)", 0)
    end
    return (...)
  end

  function c.up(id, ...)
    local p = plan()
    local from, to = p:up(id, given_places(...))
    moved(p, id, from, to, "up")
  end

  function c.down(id, ...)
    local p = plan()
    local from, to = p:down(id, given_places(...))
    moved(p, id, from, to, "down")
  end

  function c.unrank(id)
    local p = plan()
    local item, rank, cutline = p:unrank(id)
    out(string.format("%s: unranked, was rank %d (%s, feasible line %d)", label(item), rank,
      cutline_text(cutline, p.plan.cutline), p:feasible()))
  end

  function c.remove(id)
    local p = plan()
    local item, rank, cutline = p:remove(id)
    if rank then
      out(string.format("removed %s, was rank %d (%s, feasible line %d)", label(item), rank,
        cutline_text(cutline, p.plan.cutline), p:feasible()))
    else
      out(string.format("removed %s, which was not ranked", label(item)))
    end
  end

  function c.cut(n)
    local p = plan()
    local old = p:cut(n)
    out(string.format("cutline %d -> %d (feasible line %d)", old, p.plan.cutline, p:feasible()))
  end

  function c.feasible()
    local p = plan()
    local a = p:analyze()
    local short = 0
    for _, row in ipairs(a.rows) do
      if #row.short > 0 then
        short = short + 1
      end
    end
    if short == 0 then
      out(string.format("feasible line %d (cutline %d): every committed item can be staffed",
        a.feasible, a.cutline))
      return
    end
    out(string.format("feasible line %d (cutline %d): %d committed items short of staff",
      a.feasible, a.cutline, short))
    local first = a.feasible + 1
    out(string.format("  first short: rank %d, item %s: %s", first, label(a.items[first]),
      short_text(a.rows[first].short)))
    local last = a.rows[a.cutline]
    out(string.format("  at the cutline: %s", short_text(last.short)))
  end

  function c.totals(rank)
    local p = plan()
    local a = p:analyze()
    local at = rank == nil and a.cutline or Plan.whole(rank, "rank", "0.." .. #a.rows)
    if at < 0 or at > #a.rows then
      error("rank " .. tsv.escaped(rank) .. " is out of range 0.." .. #a.rows, 0)
    end
    local running = at > 0 and a:running(at) or {}
    local weeks = p.plan.weeks
    out(string.format("running demand at rank %d of %d (cutline %d, feasible line %d), %d weeks",
      at, #a.rows, a.cutline, a.feasible, weeks))
    out(string.format("  %-8s %8s %8s %8s %8s", "skill", "supply", "demand", "net", "people"))
    for _, skill in ipairs(a.skills) do
      local supply, demand = a.supply[skill] or 0, running[skill] or 0
      local net = num.round(supply - demand)
      out(string.format("  %-8s %8s %8s %8s %8s", skill, num.text(supply), num.text(demand),
        num.text(net), num.text(net / weeks)))
    end
  end

  function c.show(id)
    local p = plan()
    local item = p:item(id)
    local a = p:analyze()
    local rank = p:rank_of(item.id)
    local merged = work.triage(item)
    out(string.format("%s  rank %s  track %s  triage %s", label(item),
      rank and tostring(rank) or "none", shown(work.track(item) or "none"),
      merged and num.text(merged) or "none"))
    local estimate_text, tag_text = estimates.format(item.estimates), kvlist.format(item.tags)
    out("  estimate: " .. (estimate_text ~= "" and shown(estimate_text) or "none") .. " = "
      .. weeks_text(a.skills, work.weeks(item)))
    out("  tags: " .. (tag_text ~= "" and shown(tag_text) or "none"))
    if rank then
      local row = a.rows[rank]
      out("  running: " .. weeks_text(a.skills, a:running(rank)))
      if #row.short > 0 then
        out("  SHORT: " .. short_text(row.short))
      elseif rank > a.cutline then
        out("  below the cutline")
      end
    end
    for _, problem in ipairs(work.problems(item)) do
      out("  problem: " .. shown(problem))
    end
  end

  function c.ls(from, to)
    local p = plan()
    local a = p:analyze()
    local range = "1.." .. #a.rows
    local first = from == nil and 1 or Plan.whole(from, "rank", range)
    local last = to == nil and #a.rows or Plan.whole(to, "rank", range)
    -- The ranks the wrong way round, with items between them: say so.
    if to ~= nil and first > last and math.max(1, last) <= math.min(first, #a.rows) then
      out(string.format("no items in %d..%d: the first rank is after the last (ls(%d, %d) "
        .. "lists them)", first, last, last, first))
      return
    end
    if math.max(1, first) > math.min(last, #a.rows) then
      local asked = to == nil and "from rank " .. first or "in " .. first .. ".." .. last
      out(string.format("no items %s (ranks %s)", asked, #a.rows > 0 and range or "none"))
      return
    end
    from, to = first, last
    -- Lines at rank 0 come before the first item: nothing committed, or
    -- nothing the team can staff.
    if from <= 1 and a.cutline == 0 then
      out("    ============== cutline =============")
    elseif from <= 1 and a.feasible == 0 then
      out("    ---------- feasible line ----------")
    end
    for rank = math.max(1, from), math.min(to, #a.rows) do
      local row, item = a.rows[rank], a.items[rank]
      local mark = #row.short > 0 and "!" or " "
      out(string.format("%3d %s %4d  %s %-10s %-4s %s", rank, mark, item.id,
        fit(shown(item.name), 38), shown(row.track or "-"),
        row.triage and num.text(row.triage) or "-", shown(estimates.format(item.estimates))))
      if rank == a.feasible and rank ~= a.cutline then
        out("    ---------- feasible line ----------")
      end
      if rank == a.cutline then
        out("    ============== cutline =============")
      end
    end
  end

  function c.staff()
    local p = plan()
    for _, person in ipairs(p.people.list) do
      out(string.format("%3d  %-20s %-24s %s", person.id, shown(person.name),
        shown(kvlist.format(person.skills)), shown(people.track(person) or "-")))
    end
  end

  function c.hire(name, skills_text, tags_text)
    local p = plan()
    local id, new = p:hire(name, skills_text, tags_text)
    local person = p:person(id)
    -- Part time is allowed, and said.
    local total = people.total(person)
    local part = people.sum_problem(person) and "; part time: skills add up to "
      .. num.text(total) or ""
    out(string.format("hired %d '%s' (%s%s)%s", id, person.name, kvlist.format(person.skills),
      part, unneeded_note(person, new)))
    return id
  end

  function c.leave(pid)
    local p = plan()
    local person = p:leave(pid)
    local supply, left = p:supply(), {}
    for _, skill in ipairs(person.skills) do
      left[#left + 1] = string.format("%s %s", skill.key, num.text(supply[skill.key] or 0))
    end
    out(string.format("%d '%s' left the team (%s): supply now %s; feasible line %d", person.id,
      shown(person.name), shown(kvlist.format(person.skills)),
      #left > 0 and table.concat(left, ", ") or "unchanged", p:feasible()))
  end

  function c.assign(pid, ...)
    local person, new = plan():assign(pid, ...)
    local skills = kvlist.format(person.skills)
    -- Fractions are set one call at a time, so a sum other than 1 is
    -- allowed on the way; said, so that it is not left by mistake.
    local problems = people.problems(person)
    local note = #problems > 0 and " (" .. shown(problems[#problems]) .. ")" or ""
    out(string.format("%d '%s': %s%s%s", person.id, shown(person.name),
      skills ~= "" and shown(skills) or "no skills", note, unneeded_note(person, new)))
  end

  function c.allow(name)
    plan():allow(name)
    out(string.format("allowed '%s' as a new name until the plan is saved or loaded again",
      shown(name:match("^%s*(.-)%s*$"))))
  end

  function c.report()
    local p = plan()
    local problems = p:problems()
    local untriaged = p:untriaged()
    for _, problem in ipairs(problems) do
      out(string.format("%s %d '%s': %s", problem.kind, problem.id, shown(problem.name),
        shown(problem.text)))
    end
    for _, item in ipairs(untriaged) do
      out(string.format("work %d '%s': untriaged (rank %d)", item.id, shown(item.name),
        p:rank_of(item.id)))
    end
    out(string.format("%d problems, %d untriaged items", #problems, #untriaged))
  end

  function c.save()
    local p = plan()
    local written = p:save()
    if #written == 0 then
      out("nothing to save: the files hold the plan as it is")
      return
    end
    out("saved " .. table.concat(written, ", ") .. " (previous versions in *.bak)")
  end

  function c.reload()
    local dir = session.plan and session.plan.dir or session.dir or "."
    session.plan = Plan.load(dir)
    out(string.format("reloaded %s: %d ranked items, %d people", shown(session.plan.plan.name),
      session.plan:count(), #session.plan.people.list))
  end

  local commands = {}
  for name, command in pairs(c) do
    commands[name] = named(name, command)
  end
  return commands
end

-- Puts the commands into `env` (e.g. `_G`).
function M.install(env, session, out)
  local commands = M.commands(session, out)
  for name, fn in pairs(commands) do
    env[name] = fn
  end
  return commands
end

return M
