-- Proper tail calls: 100000 levels of tail recursion need no stack.
local function count_down(n, acc)
  if n == 0 then return acc end
  return count_down(n - 1, acc + 1)
end
print(count_down(100000, 0))
local function loop(n) if n > 0 then return loop(n - 1) end return "done" end
print(loop(300000))
local even, odd
function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print(even(100001), odd(100001))
local function sum(n, acc)
  acc = acc or 0
  if n == 0 then return acc end
  return sum(n - 1, acc + n)
end
print(sum(100000))
-- state machine with tail calls
local states = {}
function states.a(n, path) if n == 0 then return path end return states.b(n - 1, path .. "a") end
function states.b(n, path) if n == 0 then return path end return states.a(n - 1, path .. "b") end
print(states.a(7, ""))
print(#states.a(1001, ""))
