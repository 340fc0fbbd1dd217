-- Parentheses keep one value; next at the end; _VERSION; coroutine.wrap.
local function f() return 1, 2 end
print((f()))
print(#{(f())}, #{f()})
local function g(...) return (...) end
print(g(7, 8))
print((f()) + 1, ("x"):rep(2))
local t = {f = f}
print((t.f()))
print(next({}))
print(next({5}))
print(_VERSION)
local gen = coroutine.wrap(function(a) for i = a, a + 2 do coroutine.yield(i) end return "done" end)
print(gen(10), gen(), gen(), gen())
print(pcall(gen))
local bad = coroutine.wrap(function() error("inside") end)
print(pcall(bad))
