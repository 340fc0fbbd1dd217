-- Plan edits: moving an item to another rank with remove + insert.
local ranks = {"design", "build", "test", "docs", "release"}

local function show()
  print(table.concat(ranks, " > "))
end

local function find(name)
  for i, v in ipairs(ranks) do
    if v == name then return i end
  end
end

local function move_to(name, rank)
  local from = find(name)
  local item = table.remove(ranks, from)
  table.insert(ranks, rank, item)
end

show()
move_to("docs", 1)
show()
move_to("docs", #ranks)
show()
move_to("test", 2)
show()
move_to("release", 1)
show()

-- Moving to one past the end after removal is an error, as in Lua.
local ok, err = pcall(function()
  local item = table.remove(ranks, 1)
  table.insert(ranks, #ranks + 2, item)
end)
print(ok, err)
print(#ranks)
table.insert(ranks, 1, "release")
show()

-- Swapping neighbours with table.move.
local function swap_down(i)
  local tmp = ranks[i]
  table.move(ranks, i + 1, i + 1, i)
  ranks[i + 1] = tmp
end
swap_down(1)
show()

-- Bulk: remove every second item, then reinsert them at the end.
local removed = {}
for i = #ranks - 1, 1, -2 do
  table.insert(removed, 1, table.remove(ranks, i))
end
show()
print(table.concat(removed, ","))
table.move(removed, 1, #removed, #ranks + 1, ranks)
show()
