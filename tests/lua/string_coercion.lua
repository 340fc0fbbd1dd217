-- Numbers are accepted where strings are expected, in Lua's text form.
print(string.find(12345, 34), string.find(12345, '5$'))
print(string.match(3.25, '%d+%.(%d+)'), string.match(1e15, '.+'), string.match(2^63, '.+'))
print(string.rep(0.5, 2, 1), string.byte(10, 1, -1))
print(string.gsub(1000000, '0', 'o'))
print(string.format(1.0), string.format(2), string.format('%s', -0.0))
local digits = ''
for d in string.gmatch(2024, '%d') do digits = digits .. d .. ' ' end
print(digits)
print(string.gsub('abc', 'b', 1), string.gsub('abc', 'b', 1.0))
print(string.find('x1.0y', 1.0, 1, true))
print(string.byte('abc', '2', '3.0'))
