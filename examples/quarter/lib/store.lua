-- Writing the plan's files. Under planhost, `planhost.save` writes
-- atomically and keeps the previous version as `PATH.bak`; under a plain
-- Lua interpreter the same contract is kept with io and os.rename.

local M = {}

local function write_plain(path, text)
  local file, problem = io.open(path, "wb")
  if not file then
    error("cannot save " .. path .. ": " .. tostring(problem), 0)
  end
  file:write(text)
  file:close()
end

function M.save(path, text)
  if planhost and planhost.save then
    planhost.save(path, text)
    return
  end
  local old = io.open(path, "rb")
  if old then
    local previous = old:read("a")
    old:close()
    write_plain(path .. ".bak", previous)
  end
  local temporary = path .. ".tmp"
  write_plain(temporary, text)
  local ok, problem = os.rename(temporary, path)
  if not ok then
    os.remove(temporary)
    error("cannot save " .. path .. ": " .. tostring(problem), 0)
  end
end

-- `dir/name`, or just `name` for the plan directory itself.
function M.join(dir, name)
  if dir == nil or dir == "" or dir == "." then
    return name
  end
  return (dir:gsub("/+$", "")) .. "/" .. name
end

return M
