-- Opening modes, reading after writing, and seek.
local path = 'data/tmp_seek.txt'

local f = assert(io.open(path, 'w+'))
f:write('0123456789\n', 'abcdefghij\n')
print(f:seek('cur'), f:seek('set'), f:seek('end'), f:seek('end', -5))
print(f:read('a'))
print(f:seek('set', 3), f:read(4), f:seek('cur'))
f:write('XY')
print(f:seek('cur'), f:seek('set'))
print(f:read('l'), f:read('l'), f:read('l'))
print(f:seek('set', -1))
print(f:seek('cur', 0))
f:close()

f = assert(io.open(path, 'r+'))
print(f:read(2))
f:write('__')
f:seek('set')
print(f:read('a'))
f:close()

f = assert(io.open(path, 'a+'))
print(f:read('l'))
f:write('appended\n')
f:seek('set', 0)
local lines = 0
for line in f:lines() do lines = lines + 1; print(lines, line) end
print(f:seek('cur') == f:seek('end'))
f:close()

f = assert(io.open(path, 'rb'))
print(f:read(1), f:write('no'))
f:close()
f = assert(io.open(path, 'wb'))
print(f:read(1))
print(f:write('fresh') == f, f:seek('cur'))
f:close()
f = assert(io.open(path, 'r'))
print(f:read('a'), f:read('a'), f:read('l'))
f:close()
print(os.remove(path))
