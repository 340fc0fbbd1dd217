-- Shifts as Lua 5.4: counts past 63 give 0, negative counts shift the other
-- way, right shifts bring in zeros, and only numbers with an integer value
-- shift (piccolo 0.3.3 took counts modulo 64: `1 << 64` gave 1).
print(1 << 64, 1 << 65, 5 >> 64, 1 << -1, 2 >> -1, 1 << 63, -1 >> 1, -1 >> 63)
print(3 << 2 << 1, 1 << 2 + 1, 16 >> 1 >> 2, 1 << 2.0, 2^3 >> 1, 7 >> 0)
print(math.mininteger >> 63, 1 << math.mininteger, 8 >> math.mininteger, ~0 >> 32)
local a, b = 5, 2
print(a << b | 1, a >> b & 1, a // b << 1, 1 | a << b, (a << b) .. "x", -a << 1, ~a >> 60)
local function shl(x, n) return x << n end
local function shr(x, n) return x >> n end
for _, n in ipairs({-65, -64, -63, -1, 0, 1, 31, 62, 63, 64, 100}) do
  io.write(shl(1, n), " ", shr(-1, n), " ")
end
print()
for _, args in ipairs({{1, 1.5}, {1.5, 1}, {2^63, 1}}) do
  local ok, message = pcall(shl, args[1], args[2])
  print(ok, message:match("has no integer representation"))
end
for _, bad in ipairs({"'3'", "nil", "{}"}) do
  local ok, message = pcall(load("return " .. bad .. " << 1"))
  print(ok, message:match("attempt to perform bitwise operation on a %a+ value"))
end
-- What is no number is named first, then a float without an integer value.
for _, pair in ipairs({{1.5, {}}, {{}, 1.5}, {0.5, "3"}, {1.5, 2}}) do
  local ok, message = pcall(shl, pair[1], pair[2])
  print(ok, message:match("bitwise operation on a %a+ value") or message:match("has no integer representation"))
end
