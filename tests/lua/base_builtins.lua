-- getmetatable/setmetatable (string metatable, __metatable), pairs under assignment, assert, pcall, collectgarbage.
print(getmetatable("").__index == string, getmetatable(1), getmetatable(nil), getmetatable(print))
local t = setmetatable({}, {__metatable = "locked"})
print(getmetatable(t), pcall(setmetatable, t, {}))
print(pcall(setmetatable, 1, {}))
print(select("#", setmetatable({}, nil)))
local c = {a = 1, b = 2, c = 3, d = 4, e = 5}
local n = 0
for k, v in pairs(c) do n = n + 1; c[k] = v * 10 end
print(n, c.a, c.e)
local seen = 0
for k in pairs(c) do seen = seen + 1; c.b = nil end
print(seen <= 5, c.b)
local P = setmetatable({}, {__pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end})
for k, v in pairs(P) do print("pairs mm", k, v) end
print(pcall(function() assert(false, "y") end))
print(pcall(function() assert(nil) end))
print(select("#", assert(1, 2, 3)))
print(pcall(assert))
print(pcall(42))
print(pcall(nil))
print(pcall(function(...) return ... end, 1, 2))
print(collectgarbage("collect"), type(collectgarbage("count")), collectgarbage("step"), collectgarbage())
print(pcall(collectgarbage, "bogus"))
