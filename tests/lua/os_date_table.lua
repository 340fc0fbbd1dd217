-- os.date('*t') and os.date('!*t'): the fields, and the way back with os.time.
local keys = { 'year', 'month', 'day', 'hour', 'min', 'sec', 'wday', 'yday', 'isdst' }
local function show(t)
  local out = ''
  for _, k in ipairs(keys) do out = out .. k .. '=' .. tostring(t[k]) .. ' ' end
  print(out)
end
for _, t in ipairs({ 0, 1e9, 1709208000, 1735689599, -1, -123456789 }) do
  show(os.date('!*t', t))
end
local count = 0
for _ in pairs(os.date('!*t', 0)) do count = count + 1 end
print('fields', count, math.type(os.date('!*t', 0).year), type(os.date('*t').isdst))

-- Local time: whatever the zone, a table from os.date('*t') leads back to
-- the same time, and a date table to the same date.
for _, t in ipairs({ 0, 1e9, 1709208000, 1735689599, 2e9 }) do
  t = math.tointeger(t)
  local back = os.time(os.date('*t', t))
  print(t, back == t)
end
local noon = os.time({ year = 2024, month = 2, day = 29, hour = 12 })
local d = os.date('*t', noon)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday)
print(os.date('%Y-%m-%d %H:%M:%S', noon))

-- A table with extra fields and string numbers is fine.
local t = { year = '2024', month = 3.0, day = '1', hour = 8, note = 'kept' }
local when = os.time(t)
print(t.year, t.month, t.day, t.hour, t.min, t.sec, t.note, math.type(t.month))
print(os.date('%d.%m.%Y %H:%M', when))
