-- A command dispatcher as in QPlan's shell: parse a command line, look up a handler, report errors.
local ranks = {"101", "102", "103", "104"}
local cutline = 2
local commands = {}
function commands.list() return table.concat(ranks, " ") .. " | cut " .. cutline end
function commands.cut(n)
  n = tonumber(n)
  if not n or n < 0 or n > #ranks or math.type(n) ~= "integer" then error("cut: expected a rank 0.." .. #ranks, 0) end
  cutline = n
  return "cutline at " .. n
end
function commands.top(id)
  for i, v in ipairs(ranks) do
    if v == id then table.remove(ranks, i); table.insert(ranks, 1, id); return id .. " is now first" end
  end
  error("top: no item " .. tostring(id), 0)
end
function commands.help()
  local names = {}
  for name in pairs(commands) do names[#names + 1] = name end
  table.sort(names)
  return "commands: " .. table.concat(names, ", ")
end
local function run(line)
  local words = {}
  for w in line:gmatch("%S+") do words[#words + 1] = w end
  local name = table.remove(words, 1)
  local handler = name and commands[name]
  if not handler then return "unknown command: " .. tostring(name) end
  local ok, result = pcall(handler, table.unpack(words))
  return ok and result or ("error: " .. result)
end
for _, line in ipairs({"list", "top 103", "list", "cut 3", "cut 9", "cut 1.5", "cut x", "top 999", "fly", "", "help", "  list  "}) do
  print(string.format("%-12s %s", string.format("%q", line), run(line)))
end
