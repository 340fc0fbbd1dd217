-- Parsing team estimates such as 'Native:2L,Web:M' with gmatch.
local sizes = {S = 1, M = 3, L = 5, XL = 8}
local function parse(spec)
  local total, parts = 0, {}
  for team, count, size in string.gmatch(spec, '(%a+):(%d*)(%u+)') do
    local n = count == '' and 1 or math.tointeger(count + 0)
    local points = (sizes[size] or 0) * n
    parts[#parts + 1] = string.format('%s=%d', team, points)
    total = total + points
  end
  return total, parts
end
for _, spec in ipairs({'Native:2L,Web:M', 'Web:S', 'Native:XL, Web:3S, Backend:M', '', 'bad spec'}) do
  local total, parts = parse(spec)
  local text = ''
  for i = 1, #parts do text = text .. (i > 1 and ' ' or '') .. parts[i] end
  print(string.format('%-30s total=%2d  %s', '"' .. spec .. '"', total, text))
end
-- Each entry split by a single find with captures.
local spec = 'Native:2L,Web:M'
local pos = 1
while pos <= #spec do
  local s, e, team, est = string.find(spec, '^(%a+):(%w+),?', pos)
  if not s then break end
  print(s, e, team, est)
  pos = e + 1
end
