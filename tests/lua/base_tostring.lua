-- __tostring in print and tostring; numbers and booleans.
local Item = {}
Item.__index = Item
Item.__tostring = function(self) return "Item(" .. self.name .. ")" end
local a = setmetatable({name = "Login"}, Item)
print(a, tostring(a), 1, nil, true, 2.5)
print(tostring(a) .. "!")
local bad = setmetatable({}, {__tostring = function() return 42 end})
print(pcall(tostring, bad) == true)
print(type(print), print == print, tostring(1e15), tostring(2^63), tostring(-0.0))
