-- while, repeat-until, break in nested loops, loops that never run.
local i, out = 0, {}
while i < 5 do
  i = i + 1
  if i == 4 then break end
  out[#out + 1] = i
end
print(table.concat(out, ","), i)
local n = 10
repeat n = n - 3 until n < 0
print(n)
local ran = false
while false do ran = true end
print(ran)
local runs = 0
repeat runs = runs + 1 until true
print(runs)
local pairs_found = {}
for a = 1, 3 do
  for b = 1, 3 do
    if b > a then break end
    pairs_found[#pairs_found + 1] = a .. b
  end
end
print(table.concat(pairs_found, " "))
-- Collatz steps
local function collatz(x)
  local steps = 0
  while x ~= 1 do
    if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
    steps = steps + 1
  end
  return steps
end
print(collatz(27), collatz(1), collatz(97))
-- gcd with while
local function gcd(a, b) while b ~= 0 do a, b = b, a % b end return a end
print(gcd(48, 18), gcd(17, 5), gcd(0, 9))
