-- Ordering work by dependencies from data/work.tsv (a topological sort with a stable tie-break).
local deps, ids = {}, {}
local first = true
for line in io.lines("data/work.tsv") do
  local id, depends = line:match("^(ID%-%d+)\t[^\t]*\t[^\t]*\t([^\t]*)")
  if id then
    ids[#ids + 1] = id
    deps[id] = {}
    for d in depends:gmatch("[^,]+") do deps[id][#deps[id] + 1] = d end
  end
end
print(#ids .. " items")
local order, state = {}, {}
local function visit(id, path)
  if state[id] == "done" then return end
  if state[id] == "visiting" then error("cycle at " .. id .. " via " .. table.concat(path, ">"), 0) end
  state[id] = "visiting"
  path[#path + 1] = id
  for _, d in ipairs(deps[id]) do visit(d, path) end
  path[#path] = nil
  state[id] = "done"
  order[#order + 1] = id
end
for _, id in ipairs(ids) do visit(id, {}) end
print(table.concat(order, " "))
deps["ID-6"][#deps["ID-6"] + 1] = "ID-7"
order, state = {}, {}
print(pcall(function() for _, id in ipairs(ids) do visit(id, {}) end end))
