-- pcall/error: string messages with positions, levels 0 and 1, table errors, non-string errors.
local function fail(level) error("bad thing", level) end
print(pcall(fail, 1))
print(pcall(fail, 0))
print(pcall(fail))
print(pcall(error))
print(pcall(error, nil))
print(pcall(error, 42))
print(pcall(error, 42, 1))
local ok, e = pcall(error, {code = 404, msg = "not found"})
print(ok, type(e), e.code, e.msg)
print(pcall(function() return 1, 2, 3 end))
print(pcall(function(...) return select("#", ...) end, nil, nil))
-- nested pcall: inner error does not escape
print(pcall(function()
  local ok2, e2 = pcall(error, "inner", 0)
  return "outer continues after " .. tostring(e2)
end))
-- rethrowing keeps the message as is
print(pcall(function()
  local ok3, e3 = pcall(error, "first", 0)
  error(e3, 0)
end))
-- error objects with __tostring
local E = setmetatable({}, {__tostring = function() return "custom error" end})
local ok4, e4 = pcall(error, E)
print(ok4, tostring(e4), e4 == E)
-- runtime errors from the VM: only the status
print((pcall(function() local t = nil; return t.x end)))
print((pcall(function() local f; f() end)))
print((pcall(function() return #5 end)))
print((pcall(function() return "a" + {} end)))
