-- <close> and <const>: closing order, errors while closing, const values.
local order = {}
local function res(name)
  return setmetatable({name = name}, {__close = function(self, err)
    order[#order + 1] = self.name .. (err and "!" or "")
  end})
end
local function work(fail)
  local a <close> = res("a")
  local b <close> = res("b")
  do
    local c <close> = res("c")
  end
  if fail then error("fail", 0) end
  return "ok"
end
print(work(false), table.concat(order, ","))
order = {}
print(pcall(work, true))
print(table.concat(order, ","))
local LIMIT <const> = 10
local NAME <const> = "plan"
print(LIMIT * 2, NAME:upper())
print(load("local x <const> = 1; x = 2") == nil)
print(load("local y <foo> = 1") == nil)
-- false is also accepted as a to-be-closed value
do local f <close> = false end
print("false closed")
