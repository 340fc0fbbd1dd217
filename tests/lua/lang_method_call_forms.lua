-- Method call forms: on call results, indexed fields, varargs, string and table call arguments.
local function f(s) return s end
print(f"abc":upper())
local obj = {list = {"first"}, name = "n"}
print(obj.list[1]:upper(), obj.name:rep(2))
local function g(...) return (...):upper() end
print(g("va", "x"))
local M = {}
function M:greet(t) return type(t) == "table" and #t or t end
print(M:greet"str", M:greet{1, 2, 3}, M:greet[[long]])
local s = "x"
print(s:rep(2) .. 1 .. s:upper() .. 2.0)
print(("a"):rep(3):upper():len())
local t = {s = "abc"}
print(#t.s:upper(), -#t.s)
print(("%d"):rep(2, ","):format(1, 2))
local a = {b = {c = function(self, x) return x * 2 end}}
print(a.b:c(21), a.b.c(a.b, 1))
print(("x"):byte() + ("y"):byte())
local items = {{name = "b"}, {name = "a"}}
print(items[2].name:upper() .. items[1].name)
