-- Comparisons between integers and floats in the exactly representable range.
print(1 == 1.0, 2^53 == 2^53 + 1, math.type(2^53))
print(math.mininteger == -2^63, math.mininteger < -2^63)
print(1 < 1.5, 2 > 1.5, -1 > -1.5, 3 <= 3.0, 3 >= 3.0, 3 < 3.0)
print(math.huge > math.maxinteger, -math.huge < math.mininteger)
print(0.0 == -0.0, 1/0.0 > 0, 1 == 1.0000000000000002)
print(2^52 + 1 == 4503599627370497, 4503599627370497 > 4503599627370496.0)
local big = math.maxinteger
print(big - 1 < big, big > 1e18, big < 1e19)
