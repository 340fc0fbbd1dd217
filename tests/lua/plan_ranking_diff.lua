-- Comparing two rankings: items added, removed, and moved up or down.
local before = {"A", "B", "C", "D", "E"}
local after = {"C", "A", "B", "F", "E"}
local function positions(list)
  local pos = {}
  for i, id in ipairs(list) do pos[id] = i end
  return pos
end
local pb, pa = positions(before), positions(after)
for i, id in ipairs(after) do
  local old = pb[id]
  if not old then
    print(id, "added at " .. i)
  elseif old ~= i then
    print(id, (old > i and "up " or "down ") .. math.abs(old - i), old .. " -> " .. i)
  else
    print(id, "unchanged at " .. i)
  end
end
for i, id in ipairs(before) do
  if not pa[id] then print(id, "removed from " .. i) end
end
local moved = 0
for id, i in pairs(pa) do if pb[id] and pb[id] ~= i then moved = moved + 1 end end
print("moved", moved)
