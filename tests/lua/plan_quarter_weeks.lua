-- The weeks of a quarter: Monday dates from a fixed start, using os.time and os.date in UTC.
local start = os.time({year = 2024, month = 7, day = 1, hour = 12})
local DAY = 24 * 60 * 60
print(os.date("!%A %d %B %Y", start))
for week = 1, 13 do
  local monday = start + (week - 1) * 7 * DAY
  local friday = monday + 4 * DAY
  print(string.format("week %2d  %s - %s", week, os.date("!%m/%d", monday), os.date("!%m/%d", friday)))
end
local finish = start + 13 * 7 * DAY
print(os.date("!%Y-%m-%d", finish), (finish - start) // DAY)
local d = os.date("!*t", finish)
print(d.year, d.month, d.day, d.hour)
