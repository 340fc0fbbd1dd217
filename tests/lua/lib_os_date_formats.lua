-- os.date with '!' (UTC) and fixed times: common strftime conversions and the *t table.
local t = os.time({year = 2024, month = 3, day = 5, hour = 12, min = 7, sec = 9}) -- local time
local base = 1709640429 -- 2024-03-05 12:07:09 UTC
for _, fmt in ipairs({"%Y-%m-%d", "%H:%M:%S", "%d/%m/%y", "%A %B", "%a %b", "%j", "%p", "%I", "%w", "%%", "%Y%m%dT%H%M%SZ", "%e|%D"}) do
  print(fmt, os.date("!" .. fmt, base))
end
local tt = os.date("!*t", base)
local fields = {}
for _, k in ipairs({"year", "month", "day", "hour", "min", "sec", "wday", "yday"}) do fields[#fields + 1] = k .. "=" .. tt[k] end
print(table.concat(fields, " "), tt.isdst)
print(os.date("!%Y-%m-%d", 0), os.date("!%H", 86399))
print(type(t), math.type(t))
