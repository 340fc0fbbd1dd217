-- table.remove: the default last element, positions, and Lua 5.4's edge cases.
local t = {"a", "b", "c", "d", "e"}
print(table.remove(t), #t)
print(table.remove(t, 1), #t, t[1], t[2], t[3])
print(table.remove(t, 2), #t, t[1], t[2])
-- pos == #t + 1 is allowed and returns t[#t + 1] (nil).
print(table.remove(t, #t + 1), #t)
print(table.remove(t, #t), #t)
print(table.remove(t), #t)
-- Empty tables: remove returns nil (it looks at t[0] and clears it).
local empty = {}
print(table.remove(empty), #empty)
print(table.remove(empty, 0), table.remove(empty, 1))
local zero = {[0] = "zero"}
print(table.remove(zero), zero[0])
print(select("#", table.remove({})))

local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() table.remove({1, 2, 3}, 5) end)
try(function() table.remove({1, 2, 3}, 0) end)
try(function() table.remove({1, 2, 3}, -1) end)
try(function() table.remove({}, 2) end)
try(function() table.remove({}, -1) end)
try(function() table.remove(nil) end)
try(function() table.remove({1}, "x") end)
try(function() table.remove({1}, 1.5) end)

-- Draining a queue from the front.
local queue = {"job1", "job2", "job3"}
while #queue > 0 do
  print("run", table.remove(queue, 1), #queue)
end
