-- math on integers: fmod, abs, floor/ceil, modf, tointeger, ult, type, max/min.
-- A plan spreads effort over sprints: whole days per sprint and the rest.
local function spread(days, sprints)
  local per = days // sprints
  local rest = math.fmod(days, sprints)
  local out = {}
  for i = 1, sprints do
    out[i] = per + (i <= rest and 1 or 0)
  end
  return out
end
print(table.concat(spread(23, 5), " "), table.concat(spread(10, 3), " "))

-- fmod: integers stay integers and round toward zero (unlike %).
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(-7, -3))
print(-7 % 3, 7 % -3, math.type(math.fmod(7, 3)), math.type(math.fmod(7.0, 3)))
print(math.fmod(math.mininteger, -1), math.fmod(math.maxinteger, -1), math.fmod(5, 1))
print(math.fmod(math.mininteger, 2), math.fmod(math.mininteger, math.maxinteger))
print(math.fmod(7.5, 2), math.fmod(-7.5, 2), math.fmod(-6, 3.0), math.fmod(6, -3.0))
print(math.fmod(1, 0.0) ~= math.fmod(1, 0.0), math.fmod(5, math.huge), math.fmod("7", "3"), math.fmod("7.5", 2))

-- abs wraps at the bottom of the integer range, as Lua does.
print(math.abs(math.mininteger), math.abs(math.mininteger + 1), math.abs(-0.0), math.abs(-3), math.abs("-3"))
print(math.type(math.abs(-3)), math.type(math.abs("-3")))

-- floor and ceil give integers when they fit, floats otherwise.
print(math.floor(3.7), math.ceil(3.2), math.floor(-3.5), math.ceil(-3.5), math.floor("2.5"))
print(math.floor(1e100), math.ceil(-1e100), math.floor(2^63), math.floor(-2^63), math.ceil(2^62 + 0.5))
print(math.floor(math.huge), math.ceil(-math.huge), math.floor(math.maxinteger), math.ceil(math.mininteger))
print(math.type(math.floor(2^63)), math.type(math.floor(-2^63)), math.floor(-0.0), math.ceil(-0.5))

-- modf: integral part (integer when it fits) and fraction.
print(math.modf(3.75), math.modf(-3.75), math.modf(7), math.modf(-0.0))
print(math.modf(math.huge), math.modf(-math.huge), math.modf(1e100), math.modf(2^53 + 0.0))

-- tointeger: integral floats and numeric strings convert; others give nil.
print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger("0x10"), math.tointeger(" 5 "))
print(math.tointeger(2^63), math.tointeger(-2^63), math.tointeger("3.0"), math.tointeger({}), math.tointeger(nil))

-- ult compares as unsigned.
print(math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1), math.ult(math.maxinteger, math.mininteger), math.ult(1.0, "2"))

-- type tells integers from floats; strings are not numbers here.
print(math.type(1), math.type(1.0), math.type(2^31), math.type(1 // 1), math.type("1"), math.type(nil))

-- max and min keep the first extreme argument, integers and floats compared exactly.
print(math.max(1, 2.0), math.max(2.0, 2), math.max(2, 2.0), math.min(2, 2.0), math.min(-0.0, 0.0))
print(math.max(math.maxinteger, 2^63), math.min(math.mininteger, -2^63), math.max(2^53, 2^53 + 1))
print(math.max(3), math.max("a", "b", "ab"), math.min("b", "a", "ab"), math.max(1, 5, 3, 5.0))
local mt = {__lt = function(a, b) return a.load < b.load end}
local people = {
  setmetatable({name = "ana", load = 3}, mt),
  setmetatable({name = "ben", load = 7}, mt),
  setmetatable({name = "cy", load = 1}, mt),
}
print(math.max(table.unpack(people)).name, math.min(table.unpack(people)).name)
