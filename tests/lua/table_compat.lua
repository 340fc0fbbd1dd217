-- Lua 5.1 compatibility: global unpack, table.getn and table.maxn. Under
-- lua5.4 (which lacks them) the fallbacks below give the same answers.
local unpack = unpack or table.unpack
local getn = table.getn or function(t) return #t end
local maxn = table.maxn or function(t)
  local max = 0
  for k in pairs(t) do
    if type(k) == "number" and k > max then max = k end
  end
  return max
end

print(unpack == table.unpack)
print(unpack({1, 2, 3}))
print(unpack({1, 2, 3}, 2))
print(unpack({"a", "b", "c"}, 1, 2))
print(getn({}), getn({1, 2, 3}), getn({n = 5}))
local list = {}
for i = 1, 10 do list[i] = i * i end
print(getn(list))
print(maxn({}), maxn({1, 2, 3}), maxn({[10] = "x", [2] = "y"}))
print(maxn({[2.5] = true, [1] = true}), maxn({[-5] = 1}), maxn({x = 1, [3] = 2}))
print(maxn({n = 1, [100] = true, [7.75] = false}))
local sparse = {}
sparse[1] = 1
sparse[1000] = 2
print(maxn(sparse))
