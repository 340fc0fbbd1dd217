-- Work item ids: parsing "ID-7", finding the next free id, zero padding, sorting ids numerically.
local ids = {"ID-7", "ID-10", "ID-2", "ID-1", "ID-33", "X-5", "ID-", "ID-08"}
local nums, bad = {}, {}
for _, id in ipairs(ids) do
  local n = id:match("^ID%-(%d+)$")
  if n then nums[#nums + 1] = tonumber(n) else bad[#bad + 1] = id end
end
table.sort(nums)
print(table.concat(nums, " "), "|", table.concat(bad, " "))
print("next", "ID-" .. (nums[#nums] + 1))
local padded = {}
for i, n in ipairs(nums) do padded[i] = string.format("ID-%03d", n) end
print(table.concat(padded, " "))
table.sort(ids)
print(table.concat(ids, " "))
table.sort(ids, function(a, b)
  local na, nb = tonumber(a:match("%d+$")) or -1, tonumber(b:match("%d+$")) or -1
  if na ~= nb then return na < nb end
  return a < b
end)
print(table.concat(ids, " "))
local used = {}
for _, n in ipairs(nums) do used[n] = true end
local free = 1
while used[free] do free = free + 1 end
print("first free", free)
