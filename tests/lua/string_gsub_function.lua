-- string.gsub with a function: called once per match, in order, with the
-- captures; nil or false keeps the match.
local calls = {}
local result, count = string.gsub('a1 b22 c333', '(%a)(%d+)', function(letter, digits)
  calls[#calls + 1] = letter .. ':' .. digits
  return letter:upper() .. #digits
end)
print(result, count, #calls, calls[1], calls[2], calls[3])
print(string.gsub('hello world', '%w+', function(w) return w:reverse() end))
print(string.gsub('keep some', '%w+', function(w) if w == 'some' then return 'all' end end))
print(string.gsub('one two', '%w+', function() return false end))
print(string.gsub('x y', '%a', function(c) return 10 end), string.gsub('p', '%a', function() return 1.5 end))
print(string.gsub('abc', '()', function(pos) return '[' .. pos .. ']' end))
print(string.gsub('a b c d', '%a', function(c) return c .. c end, 2))
local seen = ''
string.gsub('3 + 44 + 5', '%d+', function(d) seen = seen .. '<' .. d .. '>' end)
print('seen', seen)
local ok, err = pcall(function()
  local r = string.gsub('abc', '%w', function(c) if c == 'b' then error('bad ' .. c) end end)
  return r
end)
print(ok, err)
ok, err = pcall(function() local r = string.gsub('abc', '%w', function() return {} end) return r end)
print(ok, err)
local nested = string.gsub('a-b', '%a', function(c) return (string.gsub(c, '.', '%0%0')) end)
print(nested)
