-- %f frontiers: word boundaries and transitions.
print(string.gsub('the cat scattered the cats', '%f[%w]cat%f[%W]', 'dog'))
print(string.find('THE (quick) fox', '%f[%l]%a+'))
print(string.match('hello', '%f[%z]()'))
for word in string.gmatch('one,two;;three', '%f[%w]%w+') do print(word) end
print(string.gsub('camelCaseName', '%f[%u]', '_'))
print(string.gsub('a1b22c333', '%f[%d]%d+%f[%D]', '#'))
print(string.find('abc', '%f[a]'), string.find('abc', '%f[c]'), string.find('abc', '%f[x]'))
local ok, err = pcall(function() local r = string.find('abc', '%fa') return r end)
print(ok, err)
