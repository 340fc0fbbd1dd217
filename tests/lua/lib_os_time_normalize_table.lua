-- os.time normalises the fields of the table it is given; string fields; missing and non-integer fields.
local t = {year = 2024, month = 1, day = 32, hour = 12}
local ts = os.time(t)
print(t.month, t.day, t.yday, t.wday, t.isdst)
print(os.date("!%Y-%m-%d", ts))
local d = os.date("*t", ts)
d.day = d.day + 40
print(os.date("%Y-%m-%d", os.time(d)))
print(pcall(os.time, {year = 2024, month = 1}))
print(pcall(os.time, {year = "2024", month = "2", day = "3", hour = 12}))
print(pcall(os.time, {year = 2024, month = 1.5, day = 1}))
print(os.date("!%H:%M", 3600 * 5 + 60 * 7))
local e = {year = 2023, month = 12, day = 31, hour = 23, min = 59, sec = 61}
os.time(e)
print(e.year, e.month, e.day, e.hour, e.min, e.sec)
