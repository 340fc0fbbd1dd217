-- file:read with every format: numbers, lines, counts, everything.
local function show(...)
  local n = select('#', ...)
  local out = {}
  for i = 1, n do
    local v = select(i, ...)
    out[i] = type(v) == 'string' and string.format('%q', v) or tostring(v)
    if math.type(v) then out[i] = out[i] .. ':' .. math.type(v) end
  end
  print(n, table.unpack(out, 1, n))
end

local f = assert(io.open('data/formats.txt'))
show(f:read('n', 'n', 'n', 'n', 'n'))
show(f:read('n', 'n', 'n', 'n'))
show(f:read('n'))        -- "0x" is not a number: nil, and it is consumed
show(f:read('n'))
show(f:read('l'))        -- the rest of the line after "12"
show(f:read('*n'))       -- "-" alone fails
show(f:read('n', 'n'))
show(f:read('L'))
show(f:read('n', 'n', 'n', 'n'))
show(f:read('l'))
show(f:read(5), f:read(0), f:read(1))
show(f:read('*l'))
show(f:read('l'))        -- an empty line
show(f:read('L'))        -- keeps "\r\n"
show(f:read(3, 'a'))
show(f:read('a'))        -- at the end: ""
show(f:read('l'))        -- at the end: nil
show(f:read(0))          -- at the end: nil
show(f:read(1))
show(f:read('n'))
show(f:read())
f:close()

-- Several formats at once, from the start.
f = assert(io.open('data/formats.txt'))
show(f:read('*n', '*l', 4, '*L'))
show(f:seek('cur'))
show(f:read(2000):len())
f:close()
