-- load with a reader function: pieces concatenated, nil or "" ends, chunk names, returning values.
local pieces = {"return ", "1 ", "+ ", "41"}
local i = 0
local f = load(function() i = i + 1; return pieces[i] end)
print(f())
local j = 0
local g = load(function() j = j + 1; if j == 1 then return "return 'x'" end return "" end)
print(g())
print(load("syntax error here") == nil)
local ok, msg = load("error('boom')", "=mychunk")
print(pcall(ok))
print(pcall(load("error('boom')", "@virtual.lua")))
print(pcall(load("error('boom')")))
print(pcall(load("local x = ...; return x * 2"), 21))
local adder = load("local a, b = ...; return a + b")
print(adder(2, 3), adder(10, -1))
print(load(function() return nil end)())
print(type(load("return function() return 1 end")()))
