-- lines with formats, and who closes the file.
for a, b in io.lines('data/hours.tsv', 4, 'l') do
  print(string.format('%q %q', a, b))
end

local f = assert(io.open('data/hours.tsv'))
f:read('l')
for team, week, hours in f:lines('n', 'n', 'n') do
  print(team, week, hours)
end
-- "Web" is not a number: the loop stopped there, the file is still open.
print(io.type(f), f:read('l'))
local count = 0
for line in f:lines('L') do count = count + #line end
print(count, io.type(f))
f:close()

-- io.lines closes the file it opened at the end of the loop.
local iterator, _, _, file = io.lines('data/hours.tsv')
print(io.type(file))
local n = 0
for line in iterator do n = n + 1 end
print(n, io.type(file))
print(pcall(iterator))

-- Each row as fields, with a pattern per line.
local by_team = {}
local order = {}
for line in io.lines('data/hours.tsv') do
  local team, hours = string.match(line, '^(%a+)\t%d+\t([%d.]+)$')
  if team then
    if not by_team[team] then by_team[team] = 0; order[#order + 1] = team end
    by_team[team] = by_team[team] + tonumber(hours)
  end
end
for _, team in ipairs(order) do print(team, by_team[team]) end

-- Whole file, then lines of a string.
local text = io.open('data/hours.tsv'):read('a')
local rows = 0
for _ in string.gmatch(text, '[^\n]+') do rows = rows + 1 end
print(#text, rows)
