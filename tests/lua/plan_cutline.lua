-- Cutline and feasible line together: items above the cutline but below the feasible line are short of staff.
local ranked = {
  {name = "Sync engine", Native = 13},
  {name = "Login flow", Native = 6, Web = 2},
  {name = "Billing", Web = 3, QA = 2},
  {name = "Offline mode", Native = 2, Apps = 4},
  {name = "Search", Web = 6, Apps = 1},
  {name = "Crash reporting", Native = 2, QA = 2},
  {name = "Settings", Web = 1, QA = 1},
}
local supply = {Native = 19.5, Web = 13, Apps = 13, QA = 6.5}
local cutline = 6
local demand, feasible = {}, #ranked
local shortages = {}
for rank, item in ipairs(ranked) do
  for _, s in ipairs({"Native", "Web", "Apps", "QA"}) do
    if item[s] then
      demand[s] = (demand[s] or 0) + item[s]
      local over = demand[s] - supply[s]
      if over > 0 then
        if feasible == #ranked then feasible = rank - 1 end
        shortages[rank] = (shortages[rank] and shortages[rank] .. ", " or "") .. string.format("%s short by %g", s, over)
      end
    end
  end
end
for rank, item in ipairs(ranked) do
  local mark = ""
  if rank <= cutline and rank > feasible then mark = "  <- short: " .. (shortages[rank] or "after the feasible line") end
  print(string.format("%2d %-16s%s", rank, item.name, mark))
  if rank == feasible then print("   ---- feasible line ----") end
  if rank == cutline then print("   ==== cutline ====") end
end
print("committed", cutline, "feasible", feasible)
