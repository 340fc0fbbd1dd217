-- Malformed patterns raise Lua's messages with the caller's position.
local patterns = {'%', '[a', '[a%', '[^', '%b(', '%fa', '%f', '(a%1)', '%0', 'a)', '(()', string.rep('()', 33)}
for _, p in ipairs(patterns) do
  local ok, err = pcall(function() local r = string.find('abc', p) return r end)
  print(string.format('%-12s', p:sub(1, 10)), ok, err)
end
print(string.match('xyz', '(a'))
local ok, err = pcall(function() local r = string.match('abc', '(a') return r end)
print(ok, err)
ok, err = pcall(function() local r = string.find('a', string.rep('a?', 200)) return r end)
print(ok, err)
ok, err = pcall(function() local r = string.find('abc', nil) return r end)
print(ok, err)
