-- `%` as Lua 5.4: the floor remainder with the sign of the divisor, no
-- overflow for large integers, `fmod` for floats (an infinite divisor leaves
-- a finite dividend as it is); piccolo 0.3.3 gave 3 for `5 % math.maxinteger`,
-- NaN for `5 % math.huge`, and panicked on `math.mininteger % -1`.
print(5 % math.huge, -5 % math.huge, 0.0 % math.huge, -1e-300 % 1.0, 5 % -math.huge, -5 % -math.huge)
print(5 % math.maxinteger, -5 % math.maxinteger, math.mininteger % -1, math.maxinteger % -2, 7 % 3, -7 % 3, 7 % -3, -7 % -3)
print(7.5 % 2, -7.5 % 2, 7.5 % -2, 5.3 % 0, -5 % 0.0, "7" % 3, 7 % "3", 1e308 % 3, math.huge % 2)
print(pcall(function() return 1 % 0 end))
print(pcall(function() local x = {} % 1 return x end))
local a, b = 10, 3
print(a % b * 2, 2 * a % b, a // b % 2, a % b ^ 2, -a % b, a % -b)
