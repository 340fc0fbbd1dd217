-- Reads QPlan text files: a header line, a "-----" separator, then tab-separated rows.
local M = {}

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
  return fields
end
M.split = split

function M.read(path)
  local file, err = io.open(path, "r")
  if not file then return nil, err end
  local header, rows, n = nil, {}, 0
  for line in file:lines() do
    n = n + 1
    if not header then
      header = split(line)
    elseif n == 2 then
      if not line:match("^%-+$") then file:close(); return nil, path .. ":2: separator expected" end
    elseif line:match("%S") and not line:match("^#") then
      local values, row = split(line), {}
      for i, name in ipairs(header) do row[name] = values[i] or "" end
      rows[#rows + 1] = row
    end
  end
  file:close()
  return rows, header
end

return M
