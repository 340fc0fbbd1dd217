-- Position captures () give 1-based positions as integers.
print(string.match('hello', '()ll()'))
print(string.find('hello', '()(l+)()'))
print(math.type(string.match('abc', '()b')))
for start, word, stop in string.gmatch('ab cde f', '()(%a+)()') do print(start, word, stop) end
print(string.gsub('abc', '()', '%1'))
print(string.match('', '()'), string.match('xyz', '()$'))
local marks = {}
string.gsub('a,b,,c', '(),', function(p) marks[#marks + 1] = p end)
print(#marks, marks[1], marks[2], marks[3])
local t = {[2] = 'two'}
print(string.gsub('abc', '()%a', t))
