-- os.exit ends the script with a status, after flushing the output and
-- any file still open.
local path = 'data/tmp_exit.txt'
local f = assert(io.open(path, 'w'))
f:write('flushed at exit')
print('before exit')
io.write('no newline yet')
-- The file is checked and removed by a second handle before exiting.
local check = assert(io.open(path, 'r'))
f:flush()
print(check:read('a'))
check:close()
os.remove(path)
os.exit(3)
print('never printed')
