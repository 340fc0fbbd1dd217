-- os.time normalises out-of-range fields like mktime and writes them back.
local keys = { 'year', 'month', 'day', 'hour', 'min', 'sec', 'yday', 'wday' }
local function show(label, t)
  local out = label
  for _, k in ipairs(keys) do out = out .. ' ' .. k .. '=' .. tostring(t[k]) end
  print(out)
end
local base = os.time({ year = 2024, month = 1, day = 1, hour = 0 })
local cases = {
  { year = 2024, month = 1, day = 1 },                      -- hour defaults to 12
  { year = 2024, month = 13, day = 1, hour = 0 },           -- next January
  { year = 2024, month = 0, day = 1, hour = 0 },            -- previous December
  { year = 2024, month = 3, day = 0, hour = 0 },            -- last day of February
  { year = 2023, month = 3, day = 0, hour = 0 },
  { year = 2024, month = 1, day = 366, hour = 0 },          -- day 366 of a leap year
  { year = 2024, month = 1, day = -1, hour = 0 },
  { year = 2024, month = 1, day = 1, hour = 48, min = -1 },
  { year = 2024, month = 1, day = 1, hour = 0, min = 0, sec = 86400 * 10 + 1 },
  { year = 2024, month = -23, day = 31, hour = 0 },
  { year = 2024, month = 25, day = 1, hour = -25 },
  { year = 2000, month = 2, day = 30, hour = 0 },
  { year = 1900, month = 3, day = 0, hour = 0 },
  { year = 2024, month = 1, day = 1, hour = 0, sec = -1 },
}
for i, t in ipairs(cases) do
  local when = os.time(t)
  show(i, t)
  print('  days from 2024-01-01:', (when - base) / 86400, os.difftime(when, base))
end
-- Adding days to a date through the table, as plans do.
local function add_days(y, m, d, n)
  local t = { year = y, month = m, day = d + n, hour = 12 }
  os.time(t)
  return string.format('%04d-%02d-%02d', t.year, t.month, t.day)
end
print(add_days(2024, 2, 20, 10), add_days(2024, 12, 25, 10), add_days(2024, 3, 1, -1))
print(add_days(2023, 12, 31, 365), add_days(2024, 1, 31, 30), add_days(2024, 1, 1, -366))
