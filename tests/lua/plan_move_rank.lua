-- Moving an item up, down, to a rank, to the top and bottom; clamping out-of-range ranks.
local ranks = {"A", "B", "C", "D", "E", "F"}
local function show(label) print(string.format("%-14s %s", label, table.concat(ranks, " "))) end
local function index_of(id)
  for i, v in ipairs(ranks) do if v == id then return i end end
end
local function move_to(id, rank)
  local from = index_of(id)
  if not from then return nil, "no item " .. id end
  if rank < 1 then rank = 1 elseif rank > #ranks then rank = #ranks end
  table.insert(ranks, rank, table.remove(ranks, from))
  return rank
end
local function up(id, n) return move_to(id, index_of(id) - (n or 1)) end
local function down(id, n) return move_to(id, index_of(id) + (n or 1)) end
show("start")
print(up("D")); show("up D")
print(down("A", 2)); show("down A 2")
print(move_to("F", 1)); show("F to 1")
print(move_to("F", 99)); show("F to 99")
print(up("F", 100)); show("F up 100")
print(down("B", 0)); show("B down 0")
print(move_to("Z", 2))
-- swap neighbours with multiple assignment
local i = index_of("C")
ranks[i], ranks[i + 1] = ranks[i + 1], ranks[i]
show("swap C")
