-- %b matches balanced pairs.
print(string.match('x = (a(b)c) + d', '%b()'))
print(string.match('f(a(b)', '%b()'))
print(string.find('call(1, (2 + 3)) rest', '%b()'))
print(string.gsub('keep [drop] keep [drop [nested]]', '%b[]', ''))
print(string.match('{"a": {"b": 1}}', '%b{}'))
print(string.match('<<x>>', '%b<>'), string.match('no close (', '%b()'))
for group in string.gmatch('(a)(b c)((d))', '%b()') do print(group) end
print(string.match('"quoted" text', '%b""'))
print(string.gsub('f(x) + g(h(y))', '(%a)(%b())', '%1[%2]'))
local ok, err = pcall(function() local r = string.match('abc', '%b(') return r end)
print(ok, err)
