-- table.sort errors: values Lua cannot compare, bad comparators, bad tables.
local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() table.sort({1, "x"}) end)
try(function() table.sort({"x", 1}) end)
try(function() table.sort({{}, {}}) end)
try(function() table.sort({true, false}) end)
try(function() table.sort({1, {}}) end)
try(function() table.sort({print, print}) end)
local Task = {__name = "Task"}
try(function() table.sort({setmetatable({}, Task), setmetatable({}, Task)}) end)
try(function() table.sort({setmetatable({}, Task), 3}) end)
try(function() table.sort({1, 2}, 3) end)
try(function() table.sort({1, 2}, "desc") end)
try(function() table.sort({1, 2}, {}) end)
-- With fewer than two elements the comparator is not checked.
try(function() table.sort({}, 3) end)
try(function() table.sort({1}, "x") end)
try(function() table.sort(nil) end)
try(function() table.sort() end)
try(function() table.sort("abc") end)

-- Errors raised by the comparator come through unchanged.
try(function()
  table.sort({3, 1, 2}, function(a, b) error("comparator failed") end)
end)
try(function()
  table.sort({3, 1, 2}, function(a, b) error("no position", 0) end)
end)
local ok, err = pcall(table.sort, {3, 1, 2}, function(a, b) error({code = 7}) end)
print(ok, type(err), err.code)

-- After a failed sort every element is still there.
local t = {5, 4, 3, 2, 1, "x", 0}
local sorted_ok = pcall(table.sort, t)
print(sorted_ok)
local count = 0
for i = 1, 7 do
  if t[i] ~= nil then count = count + 1 end
end
print(count)
