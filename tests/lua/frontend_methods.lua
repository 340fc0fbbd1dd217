-- Method calls on strings find the string table's functions.
local s = 'Plan Quarter'
print(s:upper(), s:lower(), s:len(), s:sub(1, 4), s:reverse())
print(('abc'):upper())
print(s:sub(6):lower():upper())
-- Methods a script adds to the string table work on every string.
function string:starts(prefix) return self:sub(1, #prefix) == prefix end
print(s:starts('Plan'), s:starts('Work'))
string.trimmed = function(self) return self end
print(('x'):trimmed())
-- Tables: plain methods, __index tables, __index functions, __call.
local Base = {}
Base.__index = Base
function Base:name() return 'base:' .. self.id end
local Derived = setmetatable({}, {__index = Base})
Derived.__index = Derived
function Derived:kind() return 'derived' end
local obj = setmetatable({id = 7}, Derived)
print(obj:name(), obj:kind())
local dynamic = setmetatable({}, {__index = function(_, key)
  return function(self, n) return key .. ':' .. n end
end})
print(dynamic:anything(3))
local callable = setmetatable({}, {__call = function(self, owner, x) return 'called ' .. x end})
local holder = {run = callable}
print(holder:run('now'))
-- Errors name the method.
print(pcall(function() local r = obj:missing() return r end))
