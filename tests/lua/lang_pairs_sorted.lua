-- pairs: visit every key once; print results sorted so order does not matter.
local t = {10, 20, 30, alpha = 1, beta = 2, [1.5] = "f", [true] = "t"}
local keys = {}
for k in pairs(t) do keys[#keys + 1] = tostring(k) end
table.sort(keys)
print(table.concat(keys, " "))
local sum = 0
for _, v in pairs({a = 1, b = 2, c = 3, 4, 5}) do sum = sum + v end
print(sum)
local function sorted_pairs(tbl)
  local ks = {}
  for k in pairs(tbl) do ks[#ks + 1] = k end
  table.sort(ks)
  local i = 0
  return function()
    i = i + 1
    local k = ks[i]
    if k ~= nil then return k, tbl[k] end
  end
end
for k, v in sorted_pairs({zeta = 26, alpha = 1, mu = 12}) do print(k, v) end
-- clearing fields during traversal is allowed
local clear = {a = 1, b = 2, c = 3, d = 4}
for k in pairs(clear) do clear[k] = nil end
print(next(clear))
-- __pairs metamethod
local mt = {__pairs = function(self)
  local i = 0
  return function() i = i + 1; if i <= 3 then return i, i * i end end, self, nil
end}
local p = setmetatable({}, mt)
for k, v in pairs(p) do io.write(k, ":", v, " ") end
print()
local count = 0
for _ in pairs({}) do count = count + 1 end
print(count)
