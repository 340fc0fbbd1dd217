-- A shell-style command with varargs: est(id, "Native", "2L", "Web", "M") sets estimates in pairs.
local SIZES = {S = 1, M = 2, L = 3, Q = 13}
local items = {[3] = {name = "Sync", est = {}}, [5] = {name = "Offline", est = {Native = 2}}}
local function est(id, ...)
  local item = items[id]
  if not item then return nil, "no item " .. tostring(id) end
  local n = select("#", ...)
  if n % 2 ~= 0 then return nil, "skills and sizes must come in pairs" end
  for i = 1, n, 2 do
    local skill, size = select(i, ...)
    local factor, letter = tostring(size):match("^(%d*)(%a)$")
    if not letter or not SIZES[letter] then return nil, "bad size " .. tostring(size) end
    item.est[skill] = (factor == "" and 1 or tonumber(factor)) * SIZES[letter]
  end
  return item
end
local function show(id)
  local item = items[id]
  local keys = {}
  for k in pairs(item.est) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. ":" .. item.est[k] end
  print(id, item.name, table.concat(out, ","))
end
print(est(3, "Native", "2L", "Web", "M") ~= nil); show(3)
print(est(5, "Apps", "4S") == items[5]); show(5)
print(est(3, "QA"))
print(est(3, "QA", "XXL"))
print(est(9, "Web", "S"))
print(est(3, "Native", 5))
print(est(5) == items[5]); show(5)
