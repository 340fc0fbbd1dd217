-- tonumber with and without a base, as Lua 5.4 converts.
print(tonumber("10"), tonumber("0x1F"), tonumber(" 3.5 "), tonumber("z"), tonumber(12), tonumber(nil))
print(tonumber("1e3"), tonumber("  -7  "), tonumber("0x"), tonumber(""), tonumber("1 2"), tonumber("inf"))
print(tonumber("ff", 16), tonumber("777", 8), tonumber("zz", 36), tonumber("-101", 2), tonumber("8", 8))
print(tonumber("9223372036854775807"), tonumber("9223372036854775808"))
print(pcall(tonumber))
print(pcall(tonumber, "10", 99))
print(pcall(tonumber, 10, 16))
-- Realistic: numbers read from a data line.
local weeks, cutline = ("13\t42"):match("(%d+)\t(%d+)")
print(tonumber(weeks) * 2, tonumber(cutline) // 5)
