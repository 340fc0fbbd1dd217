-- Tracks split by triage level (1, 1.5, 2, untriaged), in a fixed level order.
local work = {
  {name = "Login", track = "Accounts", triage = 1, weeks = 8},
  {name = "Billing", track = "Accounts", triage = 1, weeks = 7},
  {name = "Settings", track = "Accounts", triage = 2, weeks = 2},
  {name = "Search", track = "Discovery", triage = 1.5, weeks = 7},
  {name = "Recs", track = "Discovery", weeks = 3},
  {name = "Sync", track = "Platform", triage = 1, weeks = 13},
  {name = "Audit", track = "Platform", triage = 2, weeks = 2},
  {name = "Offline", track = "Platform", triage = 1.5, weeks = 6},
}
local LEVELS = {1, 1.5, 2}
local function level_key(t) return t and tostring(t) or "none" end
local by_track, tracks = {}, {}
for _, w in ipairs(work) do
  if not by_track[w.track] then by_track[w.track] = {}; tracks[#tracks + 1] = w.track end
  local key = level_key(w.triage)
  local bucket = by_track[w.track][key] or {weeks = 0, names = {}}
  by_track[w.track][key] = bucket
  bucket.weeks = bucket.weeks + w.weeks
  bucket.names[#bucket.names + 1] = w.name
end
table.sort(tracks)
for _, track in ipairs(tracks) do
  print(track)
  local levels = {}
  for _, l in ipairs(LEVELS) do levels[#levels + 1] = level_key(l) end
  levels[#levels + 1] = "none"
  for _, key in ipairs(levels) do
    local b = by_track[track][key]
    if b then print(string.format("  triage %-4s %3d weeks  %s", key, b.weeks, table.concat(b.names, ", "))) end
  end
end
