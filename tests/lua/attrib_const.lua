-- Lua 5.4 <const> locals: readable, never assignable, shadowing allowed.
local WEEKS <const> = 13
local a, b <const>, c = 1, 2, 3
print(WEEKS, a, b, c)
local function f(WEEKS) WEEKS = 5 return WEEKS end
print(f(1))
do local WEEKS = 4; WEEKS = 6; print(WEEKS) end
for WEEKS = 1, 2 do WEEKS = WEEKS + 10 print(WEEKS) end
print(load("local x <const> = 1; x = 2"))
print(load("local x <const> = 1\nlocal function g() x = 3 end"))
print(load("local x <const> = 1\nfunction x() end"))
print(load("local x <foo> = 1"))
print(load("local x <const> = 1; local y = x + 1; return y")())
