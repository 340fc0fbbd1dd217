-- next: empty tables, after the last key, with explicit nil, assigning existing fields while iterating.
print(next({}), next({}, nil))
local t = {"only"}
print(next(t), next(t, 1))
local counts = {a = 1, b = 2, c = 3}
local snapshot = {}
for k, v in pairs(counts) do snapshot[#snapshot + 1] = k end
for _, k in ipairs(snapshot) do counts[k] = counts[k] * 10 end
local keys = {}
for k, v in pairs(counts) do keys[#keys + 1] = k .. v end
table.sort(keys)
print(table.concat(keys, " "))
print(pcall(next, {}, "missing") == false)
local seq = {10, 20, 30}
local sum, k, v = 0, next(seq)
while k do sum = sum + v; k, v = next(seq, k) end
print(sum)
print(type(next), type((pairs({}))))
