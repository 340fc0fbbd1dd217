-- Function definition forms: a.b.c = function, a.b:c methods, local function recursion, self.
local app = {ui = {widgets = {}}}
function app.ui.widgets.new(name) return {name = name} end
function app.ui:title() return "ui of " .. tostring(self == app.ui) end
print(app.ui.widgets.new("btn").name, app.ui:title(), app.ui.title(app.ui))
local obj = {n = 0}
function obj:inc(by) self.n = self.n + (by or 1); return self end
obj:inc():inc(5)
print(obj.n)
local function fact(n) return n <= 1 and 1 or n * fact(n - 1) end
print(fact(10))
local g = function(...) return select("#", ...) end
print(g(nil, nil))
-- functions are values: in tables, as arguments, returned
local ops = {add = function(a, b) return a + b end, mul = function(a, b) return a * b end}
local function apply(op, a, b) return ops[op](a, b) end
print(apply("add", 2, 3), apply("mul", 2, 3))
local function compose(f, h) return function(...) return f(h(...)) end end
print(compose(tostring, function(a, b) return a * b end)(6, 7))
-- calling with a string or table literal
local function id(x) return x end
print(id"literal", id{1, 2}[2], id[[long]])
print(type(print), type(function() end))
-- global functions land in _G
function global_helper() return "global" end
print(_G.global_helper(), rawget(_G, "global_helper") ~= nil)
global_helper = nil
print(global_helper)
