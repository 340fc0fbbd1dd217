-- Recursion: factorial, fibonacci with memo, mutual recursion, recursive local functions.
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(5), fact(20), fact(21) == fact(20) * 21)
local memo = {}
local function fib(n)
  if n < 2 then return n end
  if memo[n] then return memo[n] end
  local v = fib(n - 1) + fib(n - 2)
  memo[n] = v
  return v
end
print(fib(30), fib(80))
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
print(is_even(10), is_odd(7), is_even(7))
local function hanoi(n, from, to, via, moves)
  if n == 0 then return moves end
  hanoi(n - 1, from, via, to, moves)
  moves[#moves + 1] = from .. to
  return hanoi(n - 1, via, to, from, moves)
end
print(table.concat(hanoi(3, "A", "C", "B", {}), " "))
local function flatten(t, out)
  out = out or {}
  for _, v in ipairs(t) do
    if type(v) == "table" then flatten(v, out) else out[#out + 1] = v end
  end
  return out
end
print(table.concat(flatten({1, {2, {3, {4}}, 5}, {{6}}}), ","))
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(150))
local function ackermann(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ackermann(m - 1, 1) end
  return ackermann(m - 1, ackermann(m, n - 1))
end
print(ackermann(2, 3))
