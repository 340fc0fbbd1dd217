-- os.time with fixed dates (UTC arithmetic through os.date '!'), differences and normalisation.
local t1 = os.time({year = 2024, month = 1, day = 1, hour = 12})
local t2 = os.time({year = 2024, month = 3, day = 1, hour = 12})
print((t2 - t1) // 86400)
print(os.date("!%Y-%m-%d", os.time({year = 2024, month = 2, day = 30, hour = 12})))
print(os.date("!%Y-%m-%d", os.time({year = 2023, month = 13, day = 1, hour = 12})))
print(os.date("!%Y-%m-%d", os.time({year = 2024, month = 1, day = 0, hour = 12})))
local start = os.time({year = 2024, month = 1, day = 8, hour = 12})
for week = 0, 3 do
  print(week, os.date("!%Y-%m-%d %a", start + week * 7 * 86400))
end
local d = os.date("!*t", os.time({year = 2024, month = 2, day = 29, hour = 12}))
print(d.year, d.month, d.day, d.wday, d.yday, d.isdst)
print(math.type(os.time()), os.time() > 1700000000)
print(os.difftime(t2, t1) / 86400, math.type(os.difftime(t2, t1)))
print(pcall(os.time, {year = 2024}))
