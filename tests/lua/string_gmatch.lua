-- string.gmatch iterates over matches, with captures and an optional start.
for word in string.gmatch('one two  three', '%a+') do print(word) end
for key, value in string.gmatch('a=1, b=22, c=333', '(%w+)=(%w+)') do print(key, value) end
local n = 0
for _ in string.gmatch('abc', 'x*') do n = n + 1 end
print('empty matches', n)
for pos, ch in string.gmatch('hey', '()(.)') do print(pos, ch) end
for w in string.gmatch('alpha beta gamma', '%a+', 7) do print('from 7:', w) end
for w in string.gmatch('alpha beta gamma', '%a+', -5) do print('from -5:', w) end
for w in string.gmatch('abc', '.', 10) do print('never', w) end
for w in string.gmatch('^a^b', '^.') do print('caret', w) end
local it = string.gmatch('x1 y2', '%a(%d)')
print(it(), it(), it(), it())
local words = {}
for w in ('the quick brown fox'):gmatch('%S+') do words[#words + 1] = w:upper() end
print(#words, words[1], words[4])
local ok, err = pcall(function() for _ in string.gmatch('abc', '[a') do end end)
print(ok, err)
ok, err = pcall(function() local f = string.gmatch(nil, 'a') return f end)
print(ok, err)
