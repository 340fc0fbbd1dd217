-- Character classes, sets, ranges and their complements.
local sample = 'Ab1 _-;\tZ9x'
for _, class in ipairs({'%a', '%d', '%l', '%u', '%s', '%w', '%p', '%x', '%c', '%A', '%D', '%S', '%W', '%P'}) do
  local found = ''
  for c in sample:gmatch(class) do found = found .. c end
  print(class, string.format('%q', found))
end
print(string.match('_id9 rest', '[%a_][%w_]*'))
print(string.match('a]b', '[]]'), string.match('a]b', '[^]a]'))
print(string.match('a-b', '[a-]+'), string.match('abcdef', '[b-d]+'))
print(string.match('a%b', '[%%]'), string.match('x+y', '[^%w]'))
print(string.match('..a', '%.%.(.)'))
print(string.gsub('Hello World 2024', '[aeiou]', '*'))
print(string.gsub('Hello World 2024', '[^%a%s]', ''))
print(string.match('caf\195\169', '[\128-\255]+') == '\195\169')
print(string.find('a\0b', '%z'), string.find('a\0b', '\0', 1, true))
