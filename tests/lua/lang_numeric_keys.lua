-- Numeric table keys: floats with integral values are the same key as integers.
local t = {}
t[1] = "int"
print(t[1.0], t[1])
t[2.0] = "float two"
print(t[2], math.type(next({[2.0] = true})))
t[2^53] = "big"
print(t[2^53], t[math.tointeger(2^53)])
t[1.5] = "half"
print(t[1.5], t[3 / 2])
local k = 0.1 + 0.2
t[k] = "approx"
print(t[0.3], t[k])
t[-0.0] = "zero"
print(t[0], t[0.0])
print(#{[1.0] = "a", [2.0] = "b"})
local counts = {}
for _, v in ipairs({1, 1.0, 2, 2.0, 3}) do counts[v] = (counts[v] or 0) + 1 end
print(counts[1], counts[2], counts[3])
local s = {}
s["1"] = "string key"
s[1] = "number key"
print(s["1"], s[1])
