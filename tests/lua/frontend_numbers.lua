-- Numbers print as Lua 5.4 prints them.
print(1, 1.0, -0.0, 3 / 2, 10 / 2, 10 // 3, 7 % 3, 2^10, 2^53)
print(1e15, 1e16, 123456789012345.0, 0.1, 1/3, -1/3, 1e-7, 1e100)
print(math.huge, -math.huge, math.pi)
print(tostring(3.0), tostring(-2), tostring(1e300 * 10))
print(100 // 1.0, 7 // 2.0, 2^0.5)
print(math.maxinteger, math.mininteger)
print(tostring(nil), tostring(false), tostring(true))
