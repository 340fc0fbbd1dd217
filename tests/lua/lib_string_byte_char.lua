-- string.byte/char round trips, negative ranges, empty results.
local s = "QPlan"
local bytes = {s:byte(1, -1)}
print(#bytes, table.concat(bytes, " "))
print(string.char(table.unpack(bytes)) == s)
print(s:byte(-1), s:byte(10), select("#", s:byte(10)), s:byte(3, 2))
print(string.char(), string.char(72, 105), #string.char(0, 255))
print(pcall(string.char, 256) == false, pcall(string.char, -1) == false)
local caesar = s:gsub("%a", function(c)
  local base = c:match("%l") and 97 or 65
  return string.char((c:byte() - base + 3) % 26 + base)
end)
print(caesar)
local sum = 0
for i = 1, #s do sum = sum + s:byte(i) end
print(sum, ("A"):byte() + 0.0)
