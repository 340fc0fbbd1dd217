-- rawlen, rawequal, xpcall, _G, math.pow (5.1).
print(rawlen({1, 2, 3}), rawlen("abcd"), rawequal(1, 1.0), rawequal("a", "a"), rawequal({}, {}))
local t = {}
print(rawequal(t, t), pcall(rawlen, 5))
print(xpcall(function(a, b) return a + b end, function(e) return "handled" end, 1, 2))
print(xpcall(function() error("boom") end, function(e) return "handled: " .. e end))
print(select(2, xpcall(function() error({1}) end, function(e) return type(e) end)))
print(xpcall(function() return "many", "results", 3 end, print))
print(_G == _ENV, _G._G == _G, _G.print == print, math.pow(2, 10), math.pow(2, 0.5))
