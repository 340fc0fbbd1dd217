-- An undo stack of plan edits built from closures: each command records how to revert itself.
local ranks = {"A", "B", "C", "D"}
local cutline = 2
local history = {}
local function index_of(id) for i, v in ipairs(ranks) do if v == id then return i end end end
local function do_cmd(apply, revert, label)
  apply()
  history[#history + 1] = {revert = revert, label = label}
end
local function move(id, to)
  local from = index_of(id)
  do_cmd(function() table.insert(ranks, to, table.remove(ranks, from)) end,
         function() table.insert(ranks, from, table.remove(ranks, to)) end,
         "move " .. id .. " " .. from .. "->" .. to)
end
local function set_cutline(n)
  local old = cutline
  do_cmd(function() cutline = n end, function() cutline = old end, "cutline " .. old .. "->" .. n)
end
local function undo()
  local h = table.remove(history)
  if not h then return "nothing to undo" end
  h.revert()
  return "undid " .. h.label
end
local function state() return table.concat(ranks, "") .. " cut " .. cutline end
move("D", 1); print(state())
set_cutline(3); print(state())
move("B", 4); print(state())
print(undo(), state())
print(undo(), state())
print(undo(), state())
print(undo(), state())
