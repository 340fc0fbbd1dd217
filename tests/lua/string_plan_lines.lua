-- Parsing plan items: '- [x] ID-12 Title (3d) @owner #tag #tag'.
local lines = {
  '- [x] ID-12 Login screen (3d) @ana #auth #mobile',
  '- [ ] ID-7 Search (0.5d) @bo',
  '- [ ] ID-300 Untitled',
  'not an item',
  '  - [X] ID-1 Indented (12h) #ops',
}
for _, line in ipairs(lines) do
  local done, id, rest = line:match('^%s*%- %[([ xX])%] ID%-(%d+) (.*)$')
  if not id then
    print('skip', string.format('%q', line))
  else
    local title = rest:match('^(.-)%s*%(') or rest:match('^(.-)%s*[@#]') or rest
    local amount, unit = rest:match('%((%d+%.?%d*)([dh])%)')
    local owner = rest:match('@(%w+)') or '-'
    local tags = {}
    for tag in rest:gmatch('#(%w+)') do tags[#tags + 1] = tag end
    print(string.format('%-4s %-5s %-14s %5s%s %-4s %d tags%s',
      id, done ~= ' ' and 'done' or 'open', title, amount or '?', unit or ' ', owner, #tags,
      #tags > 0 and (': ' .. tags[1]) or ''))
  end
end
-- Dates and durations.
local y, m, d = string.match('due 2024-07-01', '(%d%d%d%d)-(%d%d)-(%d%d)')
print(y, m, d)
print(string.format('%s/%s/%s', d, m, y))
print(('3w 2d 4h'):gsub('(%d+)(%a)', '%2=%1'))
