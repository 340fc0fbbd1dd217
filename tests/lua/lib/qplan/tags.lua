-- QPlan tags: "ProdTriage:2,track:Accounts" -> {ProdTriage = "2", track = "Accounts"}.
local M = {}

function M.parse(text)
  local tags = {}
  for key, value in (text or ""):gmatch("([^,:]+):([^,]*)") do
    tags[key:match("^%s*(.-)%s*$")] = value:match("^%s*(.-)%s*$")
  end
  return tags
end

-- The merged triage: an explicit Triage wins, else the lowest group value.
function M.triage(tags)
  if tags.Triage then return tonumber(tags.Triage) end
  local best
  for key, value in pairs(tags) do
    if key:match("Triage$") then
      local v = tonumber(value)
      if v and (not best or v < best) then best = v end
    end
  end
  return best
end

function M.format(tags)
  local keys = {}
  for k in pairs(tags) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for i, k in ipairs(keys) do parts[i] = k .. ":" .. tags[k] end
  return table.concat(parts, ",")
end

return M
