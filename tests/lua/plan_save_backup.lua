-- Saving keeps a backup: write a work file, save again, the previous version becomes .bak.
local path = "data/tmp_save_backup_work.tsv"
local function save(rows)
  local existing = io.open(path, "r")
  if existing then
    existing:close()
    os.remove(path .. ".bak")
    assert(os.rename(path, path .. ".bak"))
  end
  local f = assert(io.open(path, "w"))
  f:write("ID\tName\tEstimate\tTags\n-----\n")
  for _, r in ipairs(rows) do f:write(table.concat({r.id, r.name, r.est, r.tags}, "\t"), "\n") end
  f:close()
end
local function count_lines(p)
  local n = 0
  for _ in io.lines(p) do n = n + 1 end
  return n
end
os.remove(path); os.remove(path .. ".bak")
save({{id = 1, name = "Login", est = "Native:2L", tags = "track:A"}})
print(count_lines(path), io.open(path .. ".bak") == nil)
save({{id = 1, name = "Login", est = "Native:2L", tags = "track:A"}, {id = 2, name = "Search", est = "Web:M", tags = ""}})
print(count_lines(path), count_lines(path .. ".bak"))
for line in io.lines(path) do print((line:gsub("\t", " | "))) end
print(os.remove(path), os.remove(path .. ".bak"))
