-- Closures: two closures sharing one upvalue, counters, and upvalues that outlive their scope.
local function counter()
  local n = 0
  local function inc(by) n = n + (by or 1); return n end
  local function get() return n end
  return inc, get
end
local inc, get = counter()
print(inc(), inc(), inc(5), get())
local inc2, get2 = counter()
print(inc2(), get2(), get())

local function make_account(balance)
  local self = {}
  function self.deposit(v) balance = balance + v end
  function self.withdraw(v)
    if v > balance then return nil, "insufficient funds" end
    balance = balance - v
    return balance
  end
  function self.balance() return balance end
  return self
end
local acc = make_account(100)
acc.deposit(50)
print(acc.withdraw(30), acc.balance())
print(acc.withdraw(500))

-- an upvalue captured before it is assigned
local later
local function read_later() return later end
print(read_later())
later = "set"
print(read_later())

-- nested closures three levels deep
local function outer(a)
  return function(b)
    return function(c) return a .. b .. c end
  end
end
print(outer("x")("y")("z"))

-- the same local captured by closures created in a loop body outside the loop var
local shared = 0
local adders = {}
for i = 1, 3 do adders[i] = function() shared = shared + i; return shared end end
print(adders[1](), adders[2](), adders[3](), shared)
