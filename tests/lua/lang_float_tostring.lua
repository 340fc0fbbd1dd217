-- Floats convert to strings with %.14g and keep a ".0" when integral.
local values = {1.0, -1.0, 0.5, 100.0, 1e14, 1e15, 1e16, 123.456, 1/3, 2/3, 1e-5, 12345678901234.5,
  2^24, 2^63, -2^63, 3.14159265358979, 0.1 + 0.2, 1e308 * 10, -1e308 * 10}
for i, v in ipairs(values) do print(i, v, tostring(v), v .. "") end
print(string.format("%s %s", 2.0, 2))
print(#tostring(1/3), tostring(10 / 2) == "5.0")
print(1e100, -1e-100, 5e-324)
print(255 / 5, 256.0, -0.0 == 0.0)
