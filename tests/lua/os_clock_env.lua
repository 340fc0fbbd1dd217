-- os.clock, os.time, os.difftime, os.getenv and os.setlocale: only their
-- types and relations are printed, since values change from run to run.
local c0 = os.clock()
local x = 0
for i = 1, 200000 do x = x + i % 7 end
local c1 = os.clock()
print(math.type(c0), c1 >= c0, c0 >= 0, x)
local now = os.time()
print(math.type(now), now > 1700000000, os.time() - now <= 5)
print(math.type(os.difftime(now, now - 60)), os.difftime(now, now - 60), os.difftime(0, 90))
print(os.difftime(2 ^ 53, 0), os.difftime(-5, 5))
print(type(os.date()), #os.date('%Y') == 4, os.date('!%Y', now) == os.date('!*t', now).year .. '')
print(type(os.getenv('PATH')), os.getenv('PLANHOST_SURELY_NOT_SET_42'), os.getenv(''))
print(os.getenv('A=B'), os.getenv('PATH=x'))
print(os.setlocale(), os.setlocale('C'), os.setlocale(nil, 'numeric'), os.setlocale('C', 'all'))
print(os.setlocale('xx_YY.nonexistent'))
print(pcall(function() local l = os.setlocale('C', 'colour') return l end))
