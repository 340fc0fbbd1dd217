-- os.date with '!': every conversion, in UTC, for fixed times.
local all = '%a %A %b %B %C %d %D %e %F %g %G %h %H %I %j %m %M %p %R %S %T %u %U %V %w %W %y %Y %z %Z %%'
local times = { 0, 86399, 951782400, 1000000000, 1709251199, 1735689599, 1735689600, -1, -86400 * 366,
  2 ^ 31, 4102444800, -2208988800 }
for _, t in ipairs(times) do
  t = math.tointeger(t)
  print(t, os.date('!' .. all, t))
  print(t, os.date('!%c|%x|%X|%r|%n|%t|', t))
end
-- The E and O modifiers change nothing in the C locale.
print(os.date('!%Ec|%EC|%Ex|%EX|%Ey|%EY', 1e9))
print(os.date('!%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy', 1e9))
-- Text around conversions, and an empty format.
print(os.date('!Report of %A, %d %B %Y (week %V)', 1717243200))
print('[' .. os.date('!', 0) .. ']', '[' .. os.date('', 0) .. ']')
print(os.date('!%Y-%m-%dT%H:%M:%SZ', 1234567890))
-- Years far from now, before year 1 and after 9999.
for _, year in ipairs({ -1000, -1, 0, 1, 99, 999, 1000, 1900, 2000, 9999, 10000, 123456 }) do
  local t = os.time({ year = year, month = 6, day = 15, hour = 12 })
  print(year, os.date('%Y|%C|%y|%G|%g|%F|%j', t))
end
