-- setmetatable returns its table; getmetatable of tables; removing a metatable.
local mt = {}
local t = {}
print(setmetatable(t, mt) == t, getmetatable(t) == mt)
print(getmetatable({}))
print(setmetatable({}, nil) ~= nil)
local u = setmetatable({}, {__index = {x = 1}})
print(u.x)
setmetatable(u, nil)
print(u.x, getmetatable(u))
print((pcall(setmetatable, 1, {})))
print((pcall(setmetatable, {}, 5)))
-- a shared metatable: changing it affects every table that uses it
local shared = {}
local a, b = setmetatable({}, shared), setmetatable({}, shared)
shared.__index = {greeting = "hi"}
print(a.greeting, b.greeting)
-- a class keeps itself as metatable
local Class = {}
Class.__index = Class
function Class.hello() return "hello" end
local obj = setmetatable({}, Class)
print(getmetatable(obj) == Class, obj.hello(), getmetatable(Class))
