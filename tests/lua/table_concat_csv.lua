-- Building CSV lines of plan items with table.concat.
local items = {
  {id = 101, title = "Fix login", triage = 1, estimate = 2.5},
  {id = 102, title = "Write docs", triage = 3, estimate = 8},
  {id = 103, title = "Ship release", triage = 2, estimate = 0.5},
}

local function quote(s)
  if s:find('[,"]') then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

local header = {"id", "title", "triage", "estimate"}
print(table.concat(header, ","))
for _, item in ipairs(items) do
  local row = {item.id, quote(item.title), item.triage, item.estimate}
  print(table.concat(row, ","))
end

local tricky = {7, quote('say "hi", then go'), 1, 1.0}
print(table.concat(tricky, ","))

-- Columns picked with i and j.
local wide = {"a", "b", "c", "d", "e", "f"}
print(table.concat(wide, ";", 2, 4))
print(table.concat(wide, ";", 5))

-- Joining lines for a report.
local lines = {}
for i, item in ipairs(items) do
  lines[#lines + 1] = string.format("%d. %s (%s days)", i, item.title, item.estimate)
end
print(table.concat(lines, "\n"))
