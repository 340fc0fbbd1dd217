-- tostring/tonumber round trips and conversions.
for _, v in ipairs({0, -0.0, 1, -1, 0.5, 1e10, 123456789, 2^53, 1/3, 1e-300, math.maxinteger, math.mininteger}) do
  local s = tostring(v)
  local back = tonumber(s)
  print(s, back, math.type(back), back == v or string.format("%.17g", v))
end
print(tonumber("  12  "), tonumber("12a"), tonumber(""), tonumber(" "), tonumber("1e2"), tonumber(".5"), tonumber("5."))
print(tonumber("0x10"), tonumber("-0x10"), tonumber("0x1p4"), tonumber("1E+2"), tonumber("inf"), tonumber("nan"))
print(tonumber("10", 2), tonumber("ff", 16), tonumber("FF", 16), tonumber("z", 36), tonumber("8", 8), tonumber("777", 8))
print(tonumber(nil) == nil, pcall(tonumber))
print(tonumber(12), tonumber(1.5), tonumber("  -7  "), tonumber("+7"))
print(math.type(tonumber("10")), math.type(tonumber("10.0")), math.type(tonumber("1e1")))
print(tostring(12) .. tostring(1.5), tostring(true), tostring(nil))
print(string.format("%.17g", 0.1), tonumber(string.format("%.17g", 0.1)) == 0.1)
print(tonumber("9223372036854775807"), tonumber("9223372036854775808"), tonumber("-9223372036854775808"))
