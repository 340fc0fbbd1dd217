-- Number literals: decimal overflow to float, exponents, hex floats, leading zeros.
print(12345678901234567890, math.type(12345678901234567890))
print(9223372036854775807, 9223372036854775808, -9223372036854775808, math.type(-9223372036854775808))
print(1e2, 1E2, .5e1, 3e-2, 0x.8, 0xA.8p1, 0x1P-2, 0x10p0)
print(07, 010, 0.0, -0.0, 1., .25)
print(100 // 8, 100.0 // 8, 2^2, 10 / 5)
print(math.type(1e2), math.type(0x10), math.type(0x1p4))
print(load("return 1_000") == nil, load("return 0xg") == nil, load("return 1e") == nil)
