-- Splitting tab-separated plan lines, keeping empty fields.
local function split(line, sep)
  local fields = {}
  local start = 1
  while true do
    local i, j = string.find(line, sep, start, true)
    if not i then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, i - 1)
    start = j + 1
  end
end
local function show(fields)
  local out = ''
  for i = 1, #fields do out = out .. string.format('[%s]', fields[i]) end
  print(#fields, out)
end
show(split('ID-1\tLogin screen\tNative:2L,Web:M\t\tready', '\t'))
show(split('only', '\t'))
show(split('', '\t'))
show(split('\t\t', '\t'))
show(split('a::b::::c', '::'))
-- The same with gmatch: every field, empty ones included.
local fields = {}
for field in string.gmatch('x\t\ty\tz', '([^\t]*)') do fields[#fields + 1] = field end
show(fields)
-- Header and rows into records.
local text = 'id\tname\tteam\n7\tSearch\tWeb\n8\tSync\tNative\n'
local header
local records = {}
for row in text:gmatch('([^\n]*)\n') do
  if not header then header = split(row, '\t')
  else
    local values, record = split(row, '\t'), {}
    for k = 1, #header do record[header[k]] = values[k] end
    records[#records + 1] = record
  end
end
for _, r in ipairs(records) do print(r.id, r.name, r.team) end
