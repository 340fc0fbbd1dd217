-- and/or short-circuit, the a and b or c idiom, not, truthiness of 0 and "".
print(nil or "default", false or nil, 0 or "zero is true", "" or "empty is true")
print(1 and 2, nil and 2, false and error("not evaluated"), 1 or error("not evaluated"))
print(not nil, not 0, not not "x", not false == true)
local function choose(c) return c and "yes" or "no" end
print(choose(true), choose(false), choose(nil), choose(0))
print(true and false or "fallback")
local calls = 0
local function touch(v) calls = calls + 1; return v end
local _ = touch(false) and touch(true)
local _ = touch(true) or touch(true)
print(calls)
local cfg = {}
local width = cfg.width or 80
cfg.name = cfg.name or "plan"
print(width, cfg.name)
print(1 == 1 and 2 == 2, 1 < 2 or 2 < 1, nil == false)
local x = 5
print(x > 3 and x < 10, x > 3 and "mid" or "low")
print(type(nil and nil), type(false or false))
