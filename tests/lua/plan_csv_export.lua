-- Exporting the plan as CSV: quoting fields with commas, quotes and newlines.
local function csv_field(v)
  v = tostring(v)
  if v:find('[,"\n]') then v = '"' .. v:gsub('"', '""') .. '"' end
  return v
end
local function csv_line(fields)
  local out = {}
  for i, f in ipairs(fields) do out[i] = csv_field(f) end
  return table.concat(out, ",")
end
local rows = {
  {"rank", "name", "estimate", "weeks"},
  {1, "Sync engine", "Native:Q", 13},
  {2, 'The "login" flow', "Native:2L,Web:M", 8},
  {3, "Search\nresults", "Web:3M", 6.5},
  {4, "", "QA:S", 1.0},
}
for _, r in ipairs(rows) do print(csv_line(r)) end
local function parse_csv_line(line)
  local fields, pos = {}, 1
  while true do
    if line:sub(pos, pos) == '"' then
      local value, i = "", pos + 1
      while true do
        local q = line:find('"', i, true)
        if line:sub(q + 1, q + 1) == '"' then value = value .. line:sub(i, q); i = q + 2
        else value = value .. line:sub(i, q - 1); pos = q + 1; break end
      end
      fields[#fields + 1] = value
    else
      local comma = line:find(",", pos, true) or #line + 1
      fields[#fields + 1] = line:sub(pos, comma - 1)
      pos = comma
    end
    if line:sub(pos, pos) ~= "," then break end
    pos = pos + 1
  end
  return fields
end
local back = parse_csv_line(csv_line(rows[3]))
print(#back, back[2], back[3])
print(#parse_csv_line("a,,c,"), table.concat(parse_csv_line('x,"y,z",w'), "|"))
