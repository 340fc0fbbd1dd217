-- The triage merge rule: an explicit Triage wins, else the most important (lowest) group value.
local function merged_triage(tags)
  if tags.Triage then return tonumber(tags.Triage), "explicit" end
  local best, from
  local groups = {}
  for k in pairs(tags) do if k:match("Triage$") then groups[#groups + 1] = k end end
  table.sort(groups)
  for _, g in ipairs(groups) do
    local v = tonumber(tags[g])
    if v and (best == nil or v < best) then best, from = v, g end
  end
  return best, from
end
local cases = {
  {ProdTriage = "2", EngTriage = "1"},
  {ProdTriage = "1.5", EngTriage = "2"},
  {Triage = "2", ProdTriage = "1"},
  {EngTriage = "1.5"},
  {track = "Web"},
  {ProdTriage = "x", EngTriage = "2"},
  {ProdTriage = "1", EngTriage = "1"},
}
for i, tags in ipairs(cases) do
  local t, from = merged_triage(tags)
  print(i, t, from, t and math.type(t))
end
local function label(t)
  if not t then return "untriaged" end
  if t <= 1 then return "must" elseif t <= 1.5 then return "should" else return "could" end
end
for _, t in ipairs({1, 1.5, 2, 3}) do io.write(label(t), " ") end
print(label(nil))
