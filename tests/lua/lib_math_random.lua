-- Seeded random numbers follow Lua 5.4's generator exactly.
print(math.randomseed(42))
local rolls = {}
for i = 1, 10 do rolls[i] = math.random(6) end
print(table.concat(rolls, " "))
for i = 1, 3 do print(string.format("%.17g", math.random())) end
print(math.random(0), math.random(-5, 5), math.random(math.mininteger, math.maxinteger))
print(math.random(3.0), math.random(1, 1), math.random(math.maxinteger), math.random(1 << 40))

-- A reproducible shuffle of the work queue for a simulation.
local function shuffled(items, seed)
  math.randomseed(seed)
  local out = table.move(items, 1, #items, 1, {})
  for i = #out, 2, -1 do
    local j = math.random(i)
    out[i], out[j] = out[j], out[i]
  end
  return out
end
local queue = {"api", "auth", "billing", "cache", "docs", "export", "import", "search"}
print(table.concat(shuffled(queue, 2024), ","))
print(table.concat(shuffled(queue, 2024), ","))
print(table.concat(shuffled(queue, 7), ","))

-- Monte Carlo estimate of finishing in time, with two seeds.
print(math.randomseed(1, 2))
local hits = 0
for _ = 1, 1000 do
  local days = 0
  for _ = 1, 5 do days = days + math.random(2, 6) end
  if days <= 20 then hits = hits + 1 end
end
print(hits)
print(math.randomseed(-1), math.randomseed("12"), math.randomseed(2^53))
print(math.random(1000000), math.random(1000000))
-- Without a seed the numbers vary, but stay in range.
math.randomseed()
local ok = true
for _ = 1, 100 do
  local x, n = math.random(), math.random(3, 9)
  ok = ok and x >= 0 and x < 1 and n >= 3 and n <= 9 and math.type(n) == "integer"
end
print(ok)
