-- The functions as methods on strings.
local s = 'Sprint 12: Checkout flow'
print(s:find('%d+'), s:match('(%d+): (.*)'))
print(s:byte(1), s:byte(-1), s:rep(2, ' | '))
print(s:gsub('%s', '_'))
print(('%d-%s'):format(5, 'x'), ('x'):rep(3))
local n = 0
for w in s:gmatch('%a+') do n = n + 1 end
print('words', n)
print(s:upper():find('CHECKOUT'), s:lower():match('%a+$'))
print(('  pad  '):match('^%s*(.-)%s*$'):len())
local num = 3.5
print(('v'):rep(num // 1), ('%g'):format(num))
print(s:gsub('%d+', function(d) return '#' .. d end))
print(('<%s>'):format(setmetatable({}, {__tostring = function() return 'obj' end})))
print(s:gsub('%a+', {Sprint = 'Iteration'}, 1))
