-- Reading a tab-separated QPlan work file with io.lines: a header line, a
-- `-----` separator, then rows; blank lines and `#` comments are skipped.
local SIZES = { S = 1, M = 2, L = 4, XL = 8 }

local function split(line)
  local fields = {}
  for field in string.gmatch(line .. '\t', '([^\t]*)\t') do
    fields[#fields + 1] = field
  end
  return fields
end

local function trim(s) return (string.gsub(s, '^%s+', ''):gsub('%s+$', '')) end

local header, separator_seen, rows = nil, false, {}
local line_number = 0
for line in io.lines('data/work.tsv') do
  line_number = line_number + 1
  if not header then
    header = split(line)
  elseif not separator_seen then
    assert(string.match(line, '^%-%-%-%-%-+$'), 'separator expected on line ' .. line_number)
    separator_seen = true
  elseif string.match(line, '^%s*$') or string.match(line, '^#') then
    print(string.format('line %d skipped: %q', line_number, line))
  else
    local values, row = split(line), { line = line_number }
    for i = 1, #header do row[header[i]] = trim(values[i] or '') end
    rows[#rows + 1] = row
  end
end
print(#header .. ' columns: ' .. header[1] .. ', ' .. header[#header])
print(#rows .. ' rows')

-- Estimates per team, in weeks: "Native:2L,Web:M" is 2 x L plus M.
local totals, teams = {}, {}
for _, row in ipairs(rows) do
  for team, count, size in string.gmatch(row.Estimates, '(%a+):(%d*)(%u+)') do
    local weeks = (tonumber(count) or 1) * SIZES[size]
    if not totals[team] then totals[team] = 0; teams[#teams + 1] = team end
    totals[team] = totals[team] + weeks
  end
end
for _, team in ipairs(teams) do print(team, totals[team]) end

-- Dependencies and status.
local by_id = {}
for _, row in ipairs(rows) do by_id[row.ID] = row end
for _, row in ipairs(rows) do
  local waiting = {}
  for dep in string.gmatch(row.Depends, '[^,]+') do
    if by_id[dep].Status ~= 'done' then waiting[#waiting + 1] = dep end
  end
  local year, month, day = string.match(row.Start, '^(%d+)-(%d+)-(%d+)$')
  local week = os.date('!%V', os.time { year = year, month = month, day = day, hour = 12 })
  print(string.format('%-5s %-14s %-8s week %s  waits for %d', row.ID, row.Title, row.Status,
    week, #waiting))
end
