-- Table constructors: positional and keyed fields, trailing separators, computed keys, nested.
local t = {1, 2, 3, n = 3, ["key with space"] = true, [10] = "ten", [1 + 1] = "ignored?";}
print(#t, t[2], t.n, t["key with space"], t[10])
local u = {[1] = "a", [2] = "b", "c"}
print(u[1], u[2])
local function three() return 1, 2, 3 end
local v = {three(), three()}
print(#v, v[1], v[2], v[4])
local w = {three(), (three())}
print(#w)
local x = {three(), nil}
print(x[1], x[2])
local nested = {a = {b = {c = "deep"}}, list = {{1, 2}, {3, 4}}}
print(nested.a.b.c, nested.list[2][1], #nested.list)
local keys = {[1.0] = "float key", [2] = "int"}
print(keys[1], keys[2.0], math.type(next({[3.0] = true})))
local mixed = {"x", y = "y", "z"}
print(mixed[1], mixed[2], mixed.y)
local t2 = {}
t2[1.5] = "a"; t2[-1] = "b"; t2[0] = "c"
print(t2[1.5], t2[-1], t2[0], #t2)
print(pcall(function() local k = {}; k[nil] = 1 end) == false)
print((pcall(function() local k = {}; k[0/0] = 1 end)))
local s = {"a", "b", "c", "d"}
s[#s] = nil
print(#s)
