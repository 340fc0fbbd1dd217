-- Parameters a caller leaves out are nil (piccolo 0.3.3 left stale values).
local function opt(t, x) return x end
print(opt({}))
print(opt({}, 5))
local function three(a, b, c) return a, b, c end
print(three(1))
print(three())
print(three(1, 2, 3, 4))
-- Vararg functions with fixed parameters.
local function v(first, second, ...)
  return first, second, select('#', ...), ...
end
print(v())
print(v(1))
print(v(1, 2, 3, 4))
local function pack_rest(head, ...) return {...}, #{...} end
local rest, n = pack_rest('h', 'x', 'y')
print(rest[1], rest[2], n)
-- Methods keep their implicit self.
local Account = {}
Account.__index = Account
function Account.new(balance) return setmetatable({balance = balance or 0}, Account) end
function Account:deposit(amount, note)
  self.balance = self.balance + (amount or 0)
  return self.balance, note
end
local acc = Account.new()
print(acc:deposit())
print(acc:deposit(5, 'five'))
-- Closures see their parameters as upvalues.
local function counter(start)
  return function(step) start = start + (step or 1) return start end
end
local c = counter(10)
print(c(), c(5), c())
-- Recursion.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
