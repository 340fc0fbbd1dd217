-- xpcall with handlers; handler receives the error object; extra arguments.
local function handler(e) return "handled: " .. tostring(e) end
print(xpcall(function() error("x", 0) end, handler))
print(xpcall(function(a, b) return a + b end, handler, 3, 4))
print(xpcall(function() error({1, 2, 3}) end, function(e) return #e end))
print(xpcall(error, function(e) return type(e) end, nil))
local tb = xpcall(function() error("deep", 0) end, function(e)
  return type(debug) == "table" and "has debug" or "no debug"
end)
print(tb)
-- the handler can return several values
print(xpcall(function() error("m", 0) end, function(e) return e, e .. e end))
-- an error inside the handler: only the status is portable
print((xpcall(function() error("a") end, function() error("b") end)))
-- errors with levels inside xpcall
local function check(v)
  if type(v) ~= "number" then error("expected number, got " .. type(v), 0) end
  return v * 2
end
print(xpcall(check, handler, 21))
print(xpcall(check, handler, "x"))
