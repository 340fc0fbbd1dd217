-- Parsing T-shirt estimates: S=1, M=2, L=3, Q=13 weeks, an optional integer factor.
local SIZES = {S = 1, M = 2, L = 3, Q = 13}
local function parse(text)
  local weeks, order = {}, {}
  for skill, factor, size in text:gmatch("(%a+):(%d*)(%a)") do
    local w = (tonumber(factor) or 1) * SIZES[size]
    if not weeks[skill] then order[#order + 1] = skill end
    weeks[skill] = (weeks[skill] or 0) + w
  end
  return weeks, order
end
local samples = {"Native:2L,Web:M", "Apps:4S", "Native:Q", "Web:S,Web:M", "BB:10S,QA:3M", ""}
for _, text in ipairs(samples) do
  local weeks, order = parse(text)
  local parts, total = {}, 0
  for _, skill in ipairs(order) do
    parts[#parts + 1] = skill .. "=" .. weeks[skill]
    total = total + weeks[skill]
  end
  print(string.format("%-16s -> %-16s total %d", text == "" and "(empty)" or text, table.concat(parts, " "), total))
end
print(math.type(parse("Native:2L").Native))
