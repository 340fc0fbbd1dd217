-- __eq on a version type: == calls __eq only for two tables; sorting with a comparator.
local Version = {}
Version.__index = Version
local function version(s)
  local major, minor = s:match("^(%d+)%.(%d+)$")
  return setmetatable({major = tonumber(major), minor = tonumber(minor)}, Version)
end
local eq_calls = 0
Version.__eq = function(a, b) eq_calls = eq_calls + 1; return a.major == b.major and a.minor == b.minor end
function Version.less(a, b) return a.major < b.major or (a.major == b.major and a.minor < b.minor) end
local v1, v2, v3 = version("1.2"), version("1.10"), version("1.2")
print(v1 == v3, v1 ~= v2, Version.less(v1, v2), v1 ~= v3)
print(rawequal(v1, v3), v1 == v1, eq_calls)
print(v1 == "1.2", v1 == nil, eq_calls)
local list = {version("2.0"), version("1.10"), version("1.2"), version("1.9")}
table.sort(list, Version.less)
local out = {}
for i, v in ipairs(list) do out[i] = v.major .. "." .. v.minor end
print(table.concat(out, " "))
table.sort(list, function(a, b) return Version.less(b, a) end)
out = {}
for i, v in ipairs(list) do out[i] = v.major .. "." .. v.minor end
print(table.concat(out, " "))
-- __eq result is converted to a boolean
local loose = {__eq = function() return "yes" end}
print(setmetatable({}, loose) == setmetatable({}, loose))
-- comparing incompatible values: only the status is portable
print((pcall(function() return {} < {} end)))
print((pcall(function() return 1 < "x" end)))
print(1 < 2, "a" < "b", "Z" < "a", "abc" < "abd", "" < "a", 1 < 1.5, -1 < -0.5)
print(1 == 1.0, "1" == 1, 0.1 + 0.2 == 0.3, math.huge == math.huge, -0.0 == 0.0)
print(2 <= 2.0, "a" <= "a", "b" >= "a", math.maxinteger < math.huge, math.mininteger > -math.huge)
