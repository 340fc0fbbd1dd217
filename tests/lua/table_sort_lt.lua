-- table.sort without a comparator uses __lt for tables.
local Version = {}
Version.__index = Version
Version.__lt = function(a, b)
  if a.major ~= b.major then return a.major < b.major end
  return a.minor < b.minor
end
local function version(major, minor)
  return setmetatable({major = major, minor = minor}, Version)
end

local list = {version(2, 1), version(1, 9), version(10, 0), version(1, 10), version(2, 0)}
table.sort(list)
local parts = {}
for i, v in ipairs(list) do parts[i] = v.major .. "." .. v.minor end
print(table.concat(parts, " "))

-- Descending with a comparator that calls __lt itself.
table.sort(list, function(a, b) return Version.__lt(b, a) end)
parts = {}
for i, v in ipairs(list) do parts[i] = v.major .. "." .. v.minor end
print(table.concat(parts, " "))

-- __lt is looked up on either operand.
local Weight = {__lt = function(a, b)
  local x = type(a) == "table" and a.w or a
  local y = type(b) == "table" and b.w or b
  return x < y
end}
local mixed = {setmetatable({w = 5}, Weight), 3, setmetatable({w = 1}, Weight), 4}
table.sort(mixed)
parts = {}
for i, v in ipairs(mixed) do parts[i] = type(v) == "table" and ("w" .. v.w) or tostring(v) end
print(table.concat(parts, " "))

-- Errors inside __lt propagate.
local Broken = {__lt = function() error("cannot order these") end}
print(pcall(function() table.sort({setmetatable({}, Broken), setmetatable({}, Broken)}) end))
