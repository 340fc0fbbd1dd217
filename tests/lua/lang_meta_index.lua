-- __index as a table and as a function; __newindex as a table and a function; rawget/rawset.
local defaults = {color = "red", size = 3}
local t = setmetatable({size = 5}, {__index = defaults})
print(t.color, t.size, rawget(t, "color"), t.missing)

local calls = 0
local lazy = setmetatable({}, {__index = function(self, k)
  calls = calls + 1
  local v = k .. k
  rawset(self, k, v)
  return v
end})
print(lazy.ab, lazy.ab, lazy.cd, calls)

local log = {}
local store = {}
local watched = setmetatable({}, {__newindex = function(self, k, v)
  log[#log + 1] = k .. "=" .. tostring(v)
  rawset(self, k, v)
end})
watched.a = 1
watched.a = 2   -- existing key: no __newindex
watched.b = nil
print(table.concat(log, " "), watched.a)

local redirected = setmetatable({}, {__newindex = store})
redirected.x = 10
print(rawget(redirected, "x"), store.x)

-- chains of __index tables
local a = {deep = "from a"}
local b = setmetatable({}, {__index = a})
local c = setmetatable({}, {__index = b})
print(c.deep)

-- read-only proxy
local function readonly(tbl)
  return setmetatable({}, {
    __index = tbl,
    __newindex = function(_, k) error("attempt to update a read-only table (key " .. tostring(k) .. ")", 0) end,
  })
end
local ro = readonly({1, 2, 3})
print(ro[2], pcall(function() ro[1] = 5 end))
print(rawequal(ro, ro), rawequal(ro, {}), rawlen({1, 2}), rawlen("abcd"))
