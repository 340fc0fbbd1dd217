-- A work report with string.format: aligned columns, widths, rounding, totals, markers.
local items = {
  {rank = 1, name = "Sync engine", native = 13, web = 0, track = "Platform", triage = 1},
  {rank = 2, name = "Login flow", native = 6, web = 2, track = "Accounts", triage = 1},
  {rank = 3, name = "Search results with a long name", native = 0, web = 6.5, track = "Discovery", triage = 1.5},
  {rank = 4, name = "Settings", native = 0, web = 1, track = "Accounts", triage = 2},
}
local header = string.format("%-4s %-20s %6s %6s  %-10s %s", "#", "Name", "Native", "Web", "Track", "Triage")
print(header)
print(string.rep("-", #header))
local tn, tw = 0, 0
for _, it in ipairs(items) do
  local name = #it.name > 20 and it.name:sub(1, 19) .. "~" or it.name
  print(string.format("%-4d %-20s %6.1f %6.1f  %-10s %g", it.rank, name, it.native, it.web, it.track, it.triage))
  tn, tw = tn + it.native, tw + it.web
  if it.rank == 2 then print(string.format("%s cutline %s", string.rep("=", 10), string.rep("=", 10))) end
end
print(string.rep("-", #header))
print(string.format("%-25s %6.1f %6.1f", "total", tn, tw))
print(string.format("%-25s %5.0f%% %5.0f%%", "of supply", tn / 19.5 * 100, tw / 26 * 100))
print(string.format("[%8.3f] [%-8.2f] [%+.1f] [%08.2f]", 1 / 3, 2.5, -0.05, 3.14159))
