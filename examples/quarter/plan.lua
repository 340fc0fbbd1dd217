-- The example plan: a product team's quarter (2026Q1).
--
-- Loads work.tsv, people.tsv and plan.tsv from the plan directory,
-- declares the views `work`, `tracks`, `staff` and `chart`, and defines
-- the shell commands for a planning meeting (help() lists them).
-- Running this file again in a fresh state reproduces the plan from the
-- files; unsaved edits live only in the running state.

local Plan = require("lib.plan")
local views = require("lib.views")
local shell = require("lib.shell")

-- The session the views and commands share; `reload()` replaces its plan.
session = { plan = Plan.load(".") }

shell.install(_G, session)

if planhost and planhost.view then
  for _, name in ipairs(views.NAMES) do
    planhost.view(name, function()
      return views[name](session.plan)
    end)
  end
  -- Tells the host whether console edits are not saved yet: it keeps them
  -- over a load of changed files until they are (docs/LUA.md).
  planhost.unsaved = function()
    return session.plan:unsaved()
  end
end

local loaded = session.plan
local analysis = loaded:analyze()
print(string.format("plan %s: %d ranked items, %d people, %d weeks; cutline %d, feasible line %d",
  loaded.plan.name, loaded:count(), #loaded.people.list, loaded.plan.weeks, analysis.cutline,
  analysis.feasible))
local problems = loaded:problems()
if #problems > 0 then
  print(string.format("%d data problems (report() lists them)", #problems))
end
