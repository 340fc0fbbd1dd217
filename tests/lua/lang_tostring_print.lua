-- print and tostring: __tostring objects among other values, numbers, booleans, nil.
local P = setmetatable({}, {__tostring = function() return "<P>" end})
print(P, 1, 1.5, true, nil, "s")
print(tostring(P) .. "!", #tostring(P))
local Money = {}
Money.__index = Money
Money.__tostring = function(m) return string.format("$%d.%02d", m.cents // 100, m.cents % 100) end
local function money(c) return setmetatable({cents = c}, Money) end
print(money(1234), money(5), money(100))
print(string.format("%s and %s", money(99), money(250)))
local list = {money(1), money(22), money(333)}
local parts = {}
for i, m in ipairs(list) do parts[i] = tostring(m) end
print(table.concat(parts, ", "))
print(select("#", print()))
print(tostring(1e15), tostring(-1e15), tostring(123456789012), tostring(2^31))
