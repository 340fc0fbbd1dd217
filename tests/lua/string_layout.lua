-- Text layout helpers built on rep and format: padding, bars, tables.
local function pad(s, width) return s .. string.rep(' ', width - #s) end
local function center(s, width)
  local left = (width - #s) // 2
  return string.rep(' ', left) .. s .. string.rep(' ', width - #s - left)
end
local rows = {{'Login', 3, 0.75}, {'Search', 12, 0.5}, {'Sync engine', 8, 1}}
print('+' .. string.rep('-', 14) .. '+' .. string.rep('-', 6) .. '+' .. string.rep('-', 12) .. '+')
print('|' .. center('Item', 14) .. '|' .. center('Days', 6) .. '|' .. center('Done', 12) .. '|')
for _, r in ipairs(rows) do
  local bar = string.rep('#', math.floor(r[3] * 10 + 0.5))
  print(string.format('|%-14s|%6d|%-10s%2s|', r[1], r[2], bar, ''))
end
print(pad('x', 4) .. '|', center('ab', 7) .. '|')
print(string.format('%-6s%6.1f%%', 'total', 100 * 23 / 30))
print(string.rep('=-', 10, '') .. string.rep('=', 1))
