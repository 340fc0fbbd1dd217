-- Showing demand and supply in people instead of weeks (weeks / plan weeks), rounding for display.
local NUM_WEEKS = 13
local rows = {
  {"Native", 19.5, 23}, {"Web", 26, 20.5}, {"Apps", 19.5, 7}, {"BB", 9.75, 12}, {"QA", 16.25, 4},
}
print(string.format("%-7s %8s %8s %8s", "skill", "supply", "demand", "net"))
for _, r in ipairs(rows) do
  local s, d = r[2] / NUM_WEEKS, r[3] / NUM_WEEKS
  print(string.format("%-7s %8.2f %8.2f %+8.2f", r[1], s, d, s - d))
end
local function people(weeks) return weeks / NUM_WEEKS end
print(people(13), people(26), people(6.5), people(1))
print(math.floor(people(20) * 10 + 0.5) / 10, string.format("%.1f", people(20)))
local function round(x, places)
  local m = 10 ^ (places or 0)
  return math.floor(x * m + 0.5) / m
end
print(round(1.23456, 2), round(2.5), round(0.125, 2), math.type(round(3)))
