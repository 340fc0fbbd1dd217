-- A text chart of demand against supply per skill with string.rep bars.
local skills = {
  {"Native", 19.5, 23}, {"Web", 26, 20.5}, {"Apps", 19.5, 7}, {"BB", 9.75, 12}, {"QA", 16.25, 4},
}
local scale = 2 -- weeks per character
for _, s in ipairs(skills) do
  local name, supply, demand = s[1], s[2], s[3]
  local bar = string.rep("#", math.floor(math.min(demand, supply) / scale))
  local over = demand > supply and string.rep("!", math.ceil((demand - supply) / scale)) or ""
  local room = demand < supply and string.rep(".", math.floor((supply - demand) / scale)) or ""
  print(string.format("%-7s|%s%s%s", name, bar, over, room))
end
local max = 0
for _, s in ipairs(skills) do max = math.max(max, s[2], s[3]) end
print("max", max, math.type(max))
print("axis", string.rep("-", math.ceil(max / scale)))
