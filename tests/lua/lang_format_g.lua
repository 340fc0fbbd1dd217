-- string.format %g and friends: exponents, precision, trailing zeros.
local vals = {0, 1, 0.5, 100000, 1000000, 1e-4, 1e-5, 123456789, 0.000123456, 3.14159265, -2.5, 1e300}
for _, v in ipairs(vals) do
  print(string.format("%g|%.3g|%10.2g|%-10g|%#g", v, v, v, v, v))
end
print(string.format("%.0g %.1g %.10g", 2.5, 0.05, 1/3))
print(string.format("%G %G", 1e-10, 1e20))
print(string.format("%g %g %g", math.huge, -math.huge, 2^63))
print(string.format("%.14g", 100), string.format("%.14g", 2^53), string.format("%.3f", 1/3))
print(string.format("%5s|%-5s|%.2s", "ab", "ab", "abcdef"))
print(string.format("%q", 1/3), string.format("%q", 10), string.format("%q", "a\nb"))
