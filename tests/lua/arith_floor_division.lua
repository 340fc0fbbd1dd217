-- Floor division rounds toward minus infinity, as Lua 5.4 (piccolo 0.3.3 rounded toward zero).
local a, b = -7, 2
print(a // b, -3 // 5, 7 // -2, 7 // 2, -7.0 // 2, 7 // 0.0, -7 // 0.0, 0.0 // 0 ~= 0.0 // 0)
print(10 // 3 * 2, 2 * 10 // 3, 1 + 10 // 3, 100 // 10 // 3, "9" // 2, math.mininteger // -1)
print(pcall(function() return 1 // 0 end))
print(pcall(function() return {} // 1 end))
local weeks = 13
for _, w in ipairs({-26, -1, 0, 1, 25, 26}) do io.write(w // weeks, " ") end print()
