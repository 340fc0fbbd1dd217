-- Tables with __index, __newindex and __len: the library goes through them.
local function proxy(backing)
  local writes = 0
  local p = setmetatable({}, {
    __index = function(_, k) return backing[k] end,
    __newindex = function(_, k, v)
      writes = writes + 1
      backing[k] = v
    end,
    __len = function() return #backing end,
  })
  return p, function() return writes end
end

local backing = {"c", "a", "b"}
local p, writes = proxy(backing)
print(#p, table.concat(p, ","))
table.insert(p, "d")
table.insert(p, 1, "z")
print(table.concat(backing, ","), rawget(p, 1), writes())
print(table.remove(p), table.remove(p, 1), table.concat(backing, ","))
table.sort(p)
print(table.concat(backing, ","), rawget(p, 1))
table.sort(p, function(a, b) return a > b end)
print(table.concat(backing, ","))
print(table.unpack(p))
print(table.unpack(p, 2, 3))
print(table.concat(p, "-", 2))
local copy = table.move(p, 1, 3, 1, {})
print(table.concat(copy, ","))
table.move({"x", "y"}, 1, 2, 2, p)
print(table.concat(backing, ","))

-- A read-only view: __index to a table, writes refused.
local data = {30, 10, 20}
local view = setmetatable({}, {
  __index = data,
  __len = function() return #data end,
  __newindex = function() error("read-only", 0) end,
})
print(table.concat(view, " "), table.unpack(view))
print(pcall(table.insert, view, 40))
print(pcall(table.sort, view))

-- __len decides the length; a float length must be integral.
local sized = setmetatable({1, 2, 3, 4}, {__len = function() return 2 end})
print(table.concat(sized, ","), table.unpack(sized))
local floaty = setmetatable({1, 2, 3}, {__len = function() return 3.0 end})
print(table.concat(floaty, ","))
local bad = setmetatable({}, {__len = function() return 2.5 end})
print(pcall(function() table.insert(bad, 1) end))
print(pcall(function() table.concat(bad) end))
local worse = setmetatable({}, {__len = function() return "x" end})
print(pcall(function() table.unpack(worse) end))

-- __index supplies missing values to concat; errors name the index.
local defaults = setmetatable({"a"}, {__index = function(_, k) if k == 2 then return "b" end end})
print(table.concat(defaults, ",", 1, 2))
print(pcall(function() table.concat(defaults, ",", 1, 3) end))

-- Metatables without those fields are plain tables to the library.
local Named = {__tostring = function() return "named" end}
local plain = setmetatable({3, 1, 2}, Named)
table.sort(plain)
print(table.concat(plain, ","), tostring(plain))

-- Argument errors on proxies carry the caller's position.
print(pcall(function() table.sort(p, 5) end))
print(pcall(function() table.insert(p, 9, "x") end))
print(pcall(function() table.remove(p, 9) end))
print(pcall(function() table.unpack(p, 1, 1e7) end))
