-- assert: returns all its arguments, default message, custom and non-string messages.
print(assert(1, "unused", 3))
print(assert("value"))
print(pcall(assert, false))
print(pcall(assert, nil, "custom message"))
print(pcall(assert, false, 42))
local ok, e = pcall(assert, false, {reason = "table"})
print(ok, type(e), e.reason)
local function parse(s)
  local n = tonumber(s)
  return n, n == nil and ("not a number: " .. s) or nil
end
print(pcall(function() return assert(parse("12")) end))
print(pcall(function() return assert(parse("x1"), 0) end))
print(select("#", assert(true, nil, nil)))
local f = assert(load("return 7"))
print(f())
print(pcall(assert, io.open("data/does-not-exist.txt")))
