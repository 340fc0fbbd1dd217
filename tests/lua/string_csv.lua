-- Reading simple quoted CSV fields and key=value settings.
local function csv(line)
  local fields, pos = {}, 1
  while pos <= #line + 1 do
    local c = line:sub(pos, pos)
    if c == '"' then
      local value, stop = '', pos + 1
      while true do
        local a, b = line:find('"', stop, true)
        if not a then error('unterminated quote') end
        value = value .. line:sub(stop, a - 1)
        if line:sub(a + 1, a + 1) == '"' then value = value .. '"'; stop = a + 2
        else pos = a + 2; break end
      end
      fields[#fields + 1] = value
    else
      local stop = line:find(',', pos, true) or #line + 1
      fields[#fields + 1] = line:sub(pos, stop - 1)
      pos = stop + 1
    end
  end
  return fields
end
for _, line in ipairs({'a,b,c', '"x, y",2,"say ""hi"""', ',,', 'one'}) do
  local f = csv(line)
  local out = ''
  for i = 1, #f do out = out .. '<' .. f[i] .. '>' end
  print(#f, out)
end
print(pcall(function() local r = csv('"open') return r end))
local settings = {}
for key, value in ('width = 80; theme=dark ;  debug=  true'):gmatch('(%w+)%s*=%s*([^;]*)') do
  settings[#settings + 1] = key .. '=' .. value:match('^(.-)%s*$')
end
print(#settings, settings[1], settings[2], settings[3])
