-- Operator precedence and associativity.
print(2 + 3 * 4, (2 + 3) * 4, 2 ^ 3 ^ 2, (2 ^ 3) ^ 2, -2 ^ 2, 2 ^ -1)
print(1 .. 2 .. 3, "a" .. "b" == "ab", 1 + 2 .. "", 2 * 3 .. 4)
print(not 1 == 2, not (1 == 2), #"abc" + 1, -#"ab")
print(1 < 2 == true, 5 - 3 - 1, 64 / 4 / 2, 7 // 2 * 2, 7 % 4 % 3)
print(1 | 2 ~ 3 & 4, 1 << 2 + 1, 5 & 3 == 1)
print(3 .. "", 1e2 .. "", -0.5 .. "|")
print(2 * 3 ^ 2, -3 ^ 2 + 1, 10 - 2 * 3 + 1)
local a, b, c = 1, 2, 3
print(a + b * c == 7, a < b and b < c, a == 1 or b == 1 and c == 1)
