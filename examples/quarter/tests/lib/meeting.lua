-- A planning meeting for the tests: the plan in `dir` loaded from its
-- files, its shell commands (`m.cmd`), and `m.run(name, ...)`, which runs
-- a command and returns the lines it printed.

local Plan = require("lib.plan")
local shell = require("lib.shell")

return function(dir)
  local m = { session = { plan = Plan.load(dir) }, printed = {} }
  m.cmd = shell.commands(m.session, function(line)
    m.printed[#m.printed + 1] = line
  end)
  function m.run(name, ...)
    m.printed = {}
    m.cmd[name](...)
    return m.printed
  end
  return m
end
