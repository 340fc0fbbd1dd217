-- A plan calendar: the ISO week, weekday and day of the year of every
-- Monday, and the weeks around New Year where week numbers jump.
local function at_noon(y, m, d) return os.time({ year = y, month = m, day = d, hour = 12 }) end
for year = 2019, 2027 do
  local t = at_noon(year, 1, 1)
  local first = os.date('*t', t)
  -- days until the first Monday
  local offset = (9 - first.wday) % 7
  local monday = at_noon(year, 1, 1 + offset)
  print(year, os.date('%a %d %b: %G-W%V %U %W', t), 'first Monday', os.date('%d %b (%j)', monday))
end
for _, date in ipairs({ { 2020, 12, 27 }, { 2020, 12, 31 }, { 2021, 1, 3 }, { 2021, 1, 4 },
  { 2024, 12, 29 }, { 2024, 12, 30 }, { 2026, 1, 1 }, { 2027, 1, 3 }, { 2027, 1, 4 } }) do
  local t = at_noon(date[1], date[2], date[3])
  print(os.date('%F %a ISO %G-W%V-%u US %U Mon %W yday %j', t))
end
-- Working days (Monday to Friday) between two dates, counting day by day.
local function working_days(from, to)
  local n = 0
  local t = { year = from[1], month = from[2], day = from[3], hour = 12 }
  while true do
    local when = os.time(t)
    if os.date('%Y-%m-%d', when) > string.format('%04d-%02d-%02d', to[1], to[2], to[3]) then break end
    local wday = os.date('*t', when).wday
    if wday ~= 1 and wday ~= 7 then n = n + 1 end
    t.day = t.day + 1
  end
  return n
end
print(working_days({ 2024, 1, 1 }, { 2024, 3, 31 }), working_days({ 2024, 12, 20 }, { 2025, 1, 10 }))
