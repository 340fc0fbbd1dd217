-- string.gsub with a table: the first capture (or whole match) is the key;
-- nil or false keeps the matched text; numbers become text.
local vars = {name = 'Ada', role = 'lead', n = 3, ratio = 0.25, off = false}
print(string.gsub('$name is $role ($n, $ratio) $missing $off', '%$(%w+)', vars))
print(string.gsub('hello world', '%w+', {hello = 'HI'}))
local codes = {[1] = 'one', [3] = 'three'}
print(string.gsub('abc', '()%w', codes))
local defaults = setmetatable({}, {__index = function(_, key) return '<' .. key .. '>' end})
print(string.gsub('a b c', '%a', defaults))
local chained = setmetatable({x = 'X'}, {__index = {y = 'Y'}})
print(string.gsub('x y z', '%a', chained))
local ok, err = pcall(function() local r = string.gsub('abc', '%w', {a = {}}) return r end)
print(ok, err)
ok, err = pcall(function() local r = string.gsub('abc', '%w', {a = true}) return r end)
print(ok, err)
