-- string.find without magic characters, or with plain = true.
local line = 'Quarter plan: Q3 [draft] (v2.1)'
print(string.find(line, 'plan'))
print(string.find(line, 'Plan'))
print(string.find(line, '[draft]', 1, true))
print(string.find(line, '(v2.1)', 1, true))
print(string.find(line, 'a', 5), string.find(line, 'a', -6))
print(string.find(line, '', 1), string.find(line, '', #line + 1), string.find(line, '', #line + 2))
print(string.find('a.b.c', '.', 3, true))
print(string.find('', ''), string.find('', 'x'))
print(string.find('abc', 'c', 100), string.find('abc', 'a', -100))
print(string.find('aaa', 'aa', 2))
print(string.find('x+y', '+', 1, 1))
