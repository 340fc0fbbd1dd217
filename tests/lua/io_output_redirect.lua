-- io.output and io.input change the files io.write and io.read use.
local out_path, in_path = 'data/tmp_redirect_out.txt', 'data/hours.tsv'
local stdout = io.output()
print(stdout == io.stdout, io.input() == io.stdin)

io.output(out_path)
io.write('written through io.write\n', 42, '\n')
print('print still goes to stdout')
local file = io.output()
print(io.type(file), file ~= io.stdout)
io.close()
print(io.type(file))
print(pcall(io.write, 'x'))
io.output(stdout)
io.write('back on stdout\n')

io.input(out_path)
print(io.read('l'))
print(io.read('n'))
print(io.read('a'))
io.input():close()
print(pcall(io.read))
print(pcall(io.lines))

-- io.lines() without a file name reads the default input and keeps it open.
io.input(in_path)
local total = 0
for line in io.lines() do
  local t, w, h = string.match(line, '^(%a+)\t(%d+)\t([%d.]+)$')
  if t then total = total + tonumber(h) end
end
print('hours', total)
print(io.type(io.input()))
io.input():seek('set')
print(io.read('l'))
io.close(io.input())
io.input(io.stdin)
print(os.remove(out_path))
