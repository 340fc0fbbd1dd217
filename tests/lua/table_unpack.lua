-- table.unpack: ranges, explicit bounds, and its limits.
print(table.unpack({}))
print(select("#", table.unpack({})))
print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2))
print(table.unpack({1, 2, 3}, 2, 3))
print(table.unpack({1, 2, 3}, 3, 2))
print(select("#", table.unpack({1, 2, 3}, 3, 2)))
print(table.unpack({1, 2, 3}, -1, 1))
print(table.unpack({1, 2, 3}, 1, 5))
print(select("#", table.unpack({1, 2, 3}, 1, 5)))
print(table.unpack({"a", "b"}, "1", 2.0))
print(table.unpack({[0] = "zero", "one"}, 0, 1))
print(table.unpack({n = 2, "x", nil, "z"}, 1, 3))

-- Spreading arguments into a call.
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...)) end
  return s
end
print(sum(table.unpack({1, 2, 3, 4, 5})))
print(string.format("%s-%s-%s", table.unpack({"2024", "06", "01"})))
print(math.max(table.unpack({4, 9, 2})))

-- A few thousand values are fine.
local many = {}
for i = 1, 5000 do many[i] = i end
print(select("#", table.unpack(many)), (select(5000, table.unpack(many))))

-- Strings have a length and unpack to nils, as Lua indexes them.
print(table.unpack("ab"))

local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() table.unpack({}, 1, 1e8) end)
try(function() table.unpack({}, math.mininteger, math.maxinteger) end)
try(function() table.unpack({}, "a") end)
try(function() table.unpack({}, 1, 2.5) end)
try(function() table.unpack(nil) end)
try(function() table.unpack(true) end)
try(function() table.unpack(nil, 1, 2) end)
try(function() table.unpack(5, 1, 1) end)
-- An empty range never touches the table.
try(function() table.unpack(nil, 2, 1) end)
