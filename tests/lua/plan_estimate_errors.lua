-- Unparsable estimates count as 0 weeks and are reported with the item id.
local SIZES = {S = 1, M = 2, L = 3, Q = 13}
local function parse(id, text, report)
  local weeks = {}
  for part in text:gmatch("[^,]+") do
    local skill, factor, size = part:match("^%s*(%a+):(%d*)(%a+)%s*$")
    local unit = size and SIZES[size]
    if not skill then
      report[#report + 1] = string.format("item %s: cannot read '%s'", id, part)
    elseif not unit then
      weeks[skill] = weeks[skill] or 0
      report[#report + 1] = string.format("item %s: unknown size '%s' for %s", id, size, skill)
    else
      weeks[skill] = (weeks[skill] or 0) + (factor == "" and 1 or tonumber(factor)) * unit
    end
  end
  return weeks
end
local report = {}
local items = {
  {"1", "Native:2L,Web:M"}, {"2", "Web:XL"}, {"3", "Native 2L"}, {"4", "QA:S,,Apps:M"},
  {"5", "Apps:0M"}, {"6", "BB:L, QA:2S"}, {"7", "Web:m"},
}
for _, it in ipairs(items) do
  local w = parse(it[1], it[2], report)
  local skills = {}
  for k in pairs(w) do skills[#skills + 1] = k end
  table.sort(skills)
  local shown = {}
  for _, k in ipairs(skills) do shown[#shown + 1] = k .. ":" .. w[k] end
  print(it[1], table.concat(shown, ","))
end
print(#report .. " problems")
for _, line in ipairs(report) do print("  " .. line) end
