-- Tag lists: "ProdTriage:2,EngTriage:1,track:Track1", spaces, empty values, bare words.
local function parse_tags(text)
  local tags, bare = {}, {}
  for entry in text:gmatch("[^,]+") do
    entry = entry:match("^%s*(.-)%s*$")
    local k, v = entry:match("^([^:]+):(.*)$")
    if k then tags[k] = v elseif entry ~= "" then bare[#bare + 1] = entry end
  end
  return tags, bare
end
local function show(tags, bare)
  local keys = {}
  for k in pairs(tags) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. string.format("%q", tags[k]) end
  return table.concat(out, " ") .. (#bare > 0 and (" | " .. table.concat(bare, " ")) or "")
end
for _, text in ipairs({
  "ProdTriage:2,EngTriage:1,track:Track1",
  " track : Web , urgent ,ProdTriage:1.5",
  "note:,flag",
  "",
  "a:1,a:2",
  "url:http://x",
}) do
  print(string.format("%-40q %s", text, show(parse_tags(text))))
end
