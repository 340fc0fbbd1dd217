-- Converting weeks back to T-shirt sizes: the largest sizes first, with factors (13 -> Q, 7 -> 2L+S).
local SIZES = {{"Q", 13}, {"L", 3}, {"M", 2}, {"S", 1}}
local function tshirt(weeks)
  if weeks == 0 then return "0" end
  local parts = {}
  local rest = weeks
  for _, s in ipairs(SIZES) do
    local n = rest // s[2]
    if n > 0 then
      parts[#parts + 1] = (n > 1 and math.tointeger(n) or "") .. s[1]
      rest = rest - n * s[2]
    end
  end
  if rest > 0 then parts[#parts + 1] = string.format("%.1fw", rest) end
  return table.concat(parts, "+")
end
for _, w in ipairs({0, 1, 2, 3, 4, 5, 6, 7, 13, 14, 26, 30, 2.5, 0.5}) do
  print(w, tshirt(w))
end
local function est_string(by_skill, order)
  local out = {}
  for _, skill in ipairs(order) do out[#out + 1] = skill .. ":" .. tshirt(by_skill[skill]) end
  return table.concat(out, ",")
end
print(est_string({Native = 6, Web = 2, QA = 1}, {"Native", "Web", "QA"}))
