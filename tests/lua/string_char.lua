-- string.char builds a string from byte values; byte and char round-trip.
print(string.char(80, 108, 97, 110))
print(#string.char(), string.char() == '')
print(string.char(0, 255) == '\0\255')
print(string.char(string.byte('round trip', 1, -1)))
print(string.char('65', 66.0))
local codes = {}
for i = 1, 5 do codes[i] = 96 + i end
print(string.char(table.unpack(codes)))
local ok, err = pcall(function() local c = string.char(256) return c end)
print(ok, err)
ok, err = pcall(function() local c = string.char(65, -1) return c end)
print(ok, err)
ok, err = pcall(function() local c = string.char(65, 'B') return c end)
print(ok, err)
ok, err = pcall(function() local c = string.char(65.5) return c end)
print(ok, err)
ok, err = pcall(function() local c = string.char(65, nil) return c end)
print(ok, err)
