-- io.write converts numbers as C's "%.14g" and integers in decimal;
-- it shares the output with print, so their order is kept.
io.write(1, ' ', -0, ' ', 3.0, ' ', -0.0, ' ', 0.1, ' ', 1 / 3, '\n')
io.write(1e15, ' ', 1e16, ' ', 2 ^ 53, ' ', 2 ^ 63, ' ', 1e100, ' ', 123456789012345678, '\n')
io.write(math.huge, ' ', -math.huge, ' ', math.maxinteger, ' ', math.mininteger, '\n')
io.write(1.5e-7, ' ', 100.25, ' ', 12345678901234.5, ' ', 0.1 + 0.2, '\n')
print(3.0, 1e15, 2 ^ 63)
io.write('a'):write('b'):write('c', '\n')
print(io.write() == io.stdout, io.stdout:write() == io.stdout)
io.write('partial ')
print('then print')
io.stdout:write('stdout ', 1, ' ', 2.5, '\n')
io.write(string.format('%5.1f|%-4d|%s', 2.25, 7, 'x'), '\n')
for i = 1, 3 do io.write(i, i < 3 and ',' or '\n') end
io.stderr:write('this goes to stderr\n')
print(io.stderr:write('') == io.stderr)
print(io.stdout:flush(), io.flush(), io.stdout:setvbuf('no'), io.stdout:setvbuf('line', 256))
