-- Reading data/work.tsv with io.open and file:lines: header, separator, rows, estimates in weeks.
local f = assert(io.open("data/work.tsv", "r"))
local header
local rows = {}
for line in f:lines() do
  if not header then
    header = {}
    for name in line:gmatch("[^\t]+") do header[#header + 1] = name end
  elseif line:find("^%-%-%-") then
    -- separator
  elseif line:find("%S") and not line:find("^#") then
    local row, i = {}, 0
    for value in (line .. "\t"):gmatch("(.-)\t") do
      i = i + 1
      row[header[i] or ("extra" .. i)] = value
    end
    rows[#rows + 1] = row
  end
end
f:close()
print(#header, table.concat(header, "|"))
print(#rows)
local SIZES = {S = 1, M = 2, L = 3, XL = 5, Q = 13}
for _, r in ipairs(rows) do
  local weeks = 0
  for factor, size in r.Estimates:gmatch(":(%d*)(%u+)") do weeks = weeks + (tonumber(factor) or 1) * SIZES[size] end
  local deps = 0
  for _ in r.Depends:gmatch("[^,]+") do deps = deps + 1 end
  print(string.format("%-5s %-15s %3d weeks %d deps %s", r.ID, r.Title:gsub("%s+$", ""), weeks, deps, r.Status))
end
