-- Numeric for with integer start and step counts in integers whatever the
-- limit, as Lua 5.4: a float limit is rounded towards the start, a limit
-- out of reach ends the loop at once, and a zero step is an error
-- (piccolo 0.3.3 counted in floats and looped for ever on a zero step).
local items = {"a", "b", "c", "d", "e"}
for i = 1, #items / 2 do io.write(i, ":", math.type(i), " ") end print()
for i = 1, math.huge do if i > 3 then break end io.write(i, " ") end print()
for i = 3, 0.5, -1 do io.write(i, " ") end print()
for i = -1, -math.huge, -2 do if i < -6 then break end io.write(i, " ") end print()
for i = 1, 0 / 0 do print("never: nan", i) end
for i = 1, -math.huge do print("never: -inf", i) end
for i = 1, -1e300, 1 do print("never: below", i) end
for i = -1, 1e300, -1 do print("never: above", i) end
local first, last, step = 2, 7.9, 2
for i = first, last, step do io.write(i, " ") end print()
for i = first, last do io.write(i, " ") end print()
for i = 1, "3" do io.write(i, " ") end print()
for i = 1, "2.5" do io.write(i, " ") end print()
-- A float start or step keeps the loop in floats.
for i = 1.0, 2.5 do io.write(i, " ") end print()
for i = 1, 2.5, 0.5 do io.write(i, " ") end print()
for i = first, 3, 0.5 do io.write(i, " ") end print()
-- Zero steps.
print(pcall(function() for _ = 1, 3, 0 do end end))
local zero = 0
print(pcall(function() for _ = 1, 2.5, zero do end end))
print(pcall(function() for _ = first, last, zero do end end))
print(pcall(function() for _ = 1, {} do end end))
-- A limit worked out by a call runs once, after the start is read.
local n = 1
local function bump() n = n + 10 return 3.5 end
for i = n, bump() do io.write(i, " ") end print(n)
-- NaN counts as below the integers; a start at the end of the integers
-- with a limit past it runs no pass.
for i = 1, 0 / 0, -1 do io.write(i, " ") if i < -2 then break end end print()
local lowest, highest = math.mininteger, math.maxinteger
for i = lowest, -1e300 do io.write("never ", i) end
for i = lowest, 0 / 0 do io.write("never ", i) end
for i = highest, 1e300, -1 do io.write("never ", i) end
for i = highest, 1e300 do io.write(i, " ") break end print()
