-- table.insert: appending, inserting at a position, and Lua's errors.
local function show(t)
  local parts = {}
  for i = 1, #t do parts[i] = tostring(t[i]) end
  print(#t, "[" .. table.concat(parts, ",") .. "]")
end

local t = {}
table.insert(t, "a")
table.insert(t, "b")
show(t)
table.insert(t, 1, "first")
show(t)
table.insert(t, 3, "middle")
show(t)
table.insert(t, #t + 1, "last")
show(t)
table.insert(t, 2, 42)
table.insert(t, 2.0, 4.5)
table.insert(t, "3", "string position")
show(t)

-- An explicit nil value still counts as an argument.
local u = {1, 2, 3}
table.insert(u, 1, nil)
print(#u == 4 or #u == 0 or #u == 3, u[2], u[4])

local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() table.insert(nil, 1) end)
try(function() table.insert() end)
try(function() table.insert({}) end)
try(function() table.insert({}, 1, 2, 3) end)
try(function() table.insert({1, 2}, 0, "x") end)
try(function() table.insert({1, 2}, 4, "x") end)
try(function() table.insert({1, 2}, -1, "x") end)
try(function() table.insert({}, "x", 2) end)
try(function() table.insert({}, 1.5, 2) end)
try(function() table.insert({}, nil, 2) end)
try(function() table.insert("abc", 1) end)
try(function() table.insert({}, 1, "ok") end)
