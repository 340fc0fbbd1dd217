-- A quarterly plan computed the way a plan script does it, at scale:
-- `lua5.4 plan.lua [ITEMS] [ROUNDS]` and `planhost run plan.lua ...` print
-- the same checksum. Used by `cargo bench -p planhost-tests --bench lua_plan`.
local ITEMS = tonumber(arg and arg[1]) or 10000
local ROUNDS = tonumber(arg and arg[2]) or 5
local WEEKS = 13
local SKILLS = {"Native", "Web", "Apps", "BB", "QA"}
local SIZES = {S = 1, M = 2, L = 3, Q = 13}

-- Deterministic data: a linear congruential generator.
local seed = 42
local function random(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n + 1
end

local function make_items()
  local items = {}
  for id = 1, ITEMS do
    local parts = {}
    for _, skill in ipairs(SKILLS) do
      if random(3) == 1 then
        local factor = random(4) == 1 and tostring(random(3)) or ""
        parts[#parts + 1] = skill .. ":" .. factor .. ({"S", "M", "L", "Q"})[random(4)]
      end
    end
    local triage = ({1, 1.5, 2, 3})[random(4)]
    items[id] = {
      id = id,
      name = ("Work item %d <%s>"):format(id, SKILLS[random(5)]),
      estimate = table.concat(parts, ","),
      tags = ("track:Track%d,ProdTriage:%s,EngTriage:%d"):format(random(4), triage, random(3)),
    }
  end
  return items
end

local function parse_estimate(text)
  local weeks = {}
  for skill, factor, size in text:gmatch("(%a+):(%d*)([SMLQ])") do
    weeks[skill] = (weeks[skill] or 0) + (tonumber(factor) or 1) * SIZES[size]
  end
  return weeks
end

local function parse_tags(text)
  local tags = {}
  for key, value in text:gmatch("([^,:]+):([^,]+)") do
    tags[key] = value
  end
  local prod, eng = tonumber(tags.ProdTriage), tonumber(tags.EngTriage)
  tags.triage = math.min(prod or 99, eng or 99)
  return tags
end

local function compute(items)
  for _, item in ipairs(items) do
    item.weeks = parse_estimate(item.estimate)
    item.tags = type(item.tags) == "string" and parse_tags(item.tags) or item.tags
  end
  local ranked = {}
  for i, item in ipairs(items) do ranked[i] = item end
  table.sort(ranked, function(a, b)
    if a.tags.triage ~= b.tags.triage then return a.tags.triage < b.tags.triage end
    return a.id < b.id
  end)
  local supply = {}
  for i, skill in ipairs(SKILLS) do supply[skill] = (ITEMS / 20) * i * WEEKS end
  local running, feasible = {}, nil
  for rank, item in ipairs(ranked) do
    for skill, weeks in pairs(item.weeks) do
      running[skill] = (running[skill] or 0) + weeks
      if not feasible and running[skill] > supply[skill] then feasible = rank - 1 end
    end
  end
  local tracks = {}
  for _, item in ipairs(ranked) do
    local track = item.tags.track
    local group = tracks[track]
    if not group then group = {count = 0, weeks = 0} tracks[track] = group end
    group.count = group.count + 1
    for _, weeks in pairs(item.weeks) do group.weeks = group.weeks + weeks end
  end
  local rows = {}
  for rank, item in ipairs(ranked) do
    local cells = {}
    for i, skill in ipairs(SKILLS) do cells[i] = ("<td>%s</td>"):format(item.weeks[skill] or "") end
    rows[rank] = ("<tr data-key=\"%d\"><td>%d</td><td>%s</td>%s<td>%s</td><td>%.1f</td></tr>"):format(
      item.id, rank, item.name:gsub("[<>&]", {["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;"}),
      table.concat(cells), item.tags.track, item.tags.triage)
  end
  local html = "<table>" .. table.concat(rows, "\n") .. "</table>"
  return #html + (feasible or 0) + tracks.Track1.count
end

local items = make_items()
local checksum = 0
for _ = 1, ROUNDS do checksum = checksum + compute(items) end
print(("items=%d rounds=%d checksum=%d"):format(ITEMS, ROUNDS, checksum))
