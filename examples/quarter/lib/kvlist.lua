-- Comma-separated `key:value` lists, the shape of estimates
-- (`Native:L,Web:M`), tags (`ProdTriage:2,track:Payments`) and skills
-- (`Web:0.5,QA:0.5`). Entries keep their order and text so a list is
-- written back exactly as it was read. A value may be missing (`draft`).

local M = {}

local function trim(text)
  return (text:match("^%s*(.-)%s*$"))
end

-- Parses `text` into { {key = "Native", value = "L", raw = "Native:L"}, ... }.
-- An entry without a key (":L") has key "".
function M.parse(text)
  local entries = {}
  for piece in (text or ""):gmatch("[^,]+") do
    local raw = trim(piece)
    if raw ~= "" then
      local key, value = raw:match("^([^:]*):(.*)$")
      if key then
        entries[#entries + 1] = { key = trim(key), value = trim(value), raw = raw }
      else
        entries[#entries + 1] = { key = raw, raw = raw }
      end
    end
  end
  return entries
end

local function entry_text(entry)
  if entry.raw then
    return entry.raw
  end
  if entry.value == nil then
    return entry.key
  end
  return entry.key .. ":" .. entry.value
end

function M.format(entries)
  local texts = {}
  for i, entry in ipairs(entries) do
    texts[i] = entry_text(entry)
  end
  return table.concat(texts, ",")
end

-- The value of the first entry named `key`, or nil.
function M.get(entries, key)
  for i = 1, #entries do
    local entry = entries[i]
    if entry == nil then
      return nil -- where ipairs would stop
    end
    if entry.key == key then
      return entry.value
    end
  end
  return nil
end

function M.has(entries, key)
  for _, entry in ipairs(entries) do
    if entry.key == key then
      return true
    end
  end
  return false
end

-- What is worked out from a list (an item's weeks per skill, its track,
-- its triage) can be remembered in `M.memo(entries)`, a table kept on the
-- list beside its entries (which only ipairs and numeric loops read);
-- `set` forgets it. So change lists through `set`, or replace them: an
-- entry edited in place keeps the old answers.
function M.memo(entries)
  local memo = entries.memo
  if memo == nil then
    memo = {}
    entries.memo = memo
  end
  return memo
end

-- Sets `key` to `value` in place of its first entry (dropping any later
-- ones), or appends it; a nil `value` removes the key.
function M.set(entries, key, value)
  entries.memo = nil
  local kept, placed = {}, false
  for _, entry in ipairs(entries) do
    if entry.key ~= key then
      kept[#kept + 1] = entry
    elseif value ~= nil and not placed then
      kept[#kept + 1] = { key = key, value = value }
      placed = true
    end
  end
  if value ~= nil and not placed then
    kept[#kept + 1] = { key = key, value = value }
  end
  for i = #entries, 1, -1 do
    entries[i] = nil
  end
  for i, entry in ipairs(kept) do
    entries[i] = entry
  end
  return entries
end

-- Whether `text` can be a key or value without breaking the list.
function M.plain(text)
  return type(text) == "string" and text ~= "" and not text:find("[,:\t\r\n]")
    and trim(text) == text
end

return M
