-- Inconsistent comparators: Lua may raise "invalid order function for
-- sorting" or not; either way the call ends and no element is lost.
local function fill(n)
  local t = {}
  for i = 1, n do t[i] = (i * 37) % 101 end
  return t
end

local function summary(t)
  local copy = {}
  for i = 1, #t do copy[i] = t[i] end
  table.sort(copy)
  return #t .. ": " .. table.concat(copy, ",", 1, math.min(#copy, 12))
end

local bad = {
  always = function(a, b) return true end,
  never = function(a, b) return false end,
  less_equal = function(a, b) return a <= b end,
  coin = (function()
    local flip = false
    return function(a, b)
      flip = not flip
      return flip
    end
  end)(),
}

for _, name in ipairs({"always", "never", "less_equal", "coin"}) do
  for _, n in ipairs({2, 3, 10, 100, 1000}) do
    local t = fill(n)
    pcall(table.sort, t, bad[name])
    print(name, summary(t))
  end
end

-- "never" means all elements are equal: any order is valid, nothing is lost.
local t = fill(50)
table.sort(t, bad.never)
print(summary(t))
