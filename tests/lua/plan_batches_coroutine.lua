-- Walking the ranked list in batches with a coroutine: each batch stays within a weekly budget.
local items = {
  {"Sync", 13}, {"Login", 8}, {"Billing", 7}, {"Offline", 6}, {"Search", 7}, {"Crash", 4}, {"Settings", 2}, {"Audit", 2},
}
local function batches(list, budget)
  return coroutine.wrap(function()
    local batch, used = {}, 0
    for _, it in ipairs(list) do
      if used + it[2] > budget and #batch > 0 then
        coroutine.yield(batch, used)
        batch, used = {}, 0
      end
      batch[#batch + 1] = it[1]
      used = used + it[2]
    end
    if #batch > 0 then coroutine.yield(batch, used) end
  end)
end
local n = 0
for batch, used in batches(items, 15) do
  n = n + 1
  print(string.format("batch %d: %-22s %2d weeks", n, table.concat(batch, ","), used))
end
local co = coroutine.create(function(list)
  for i, it in ipairs(list) do coroutine.yield(i, it[1]) end
  return "end of list"
end)
print(coroutine.resume(co, items))
print(coroutine.resume(co))
for _ = 3, #items do coroutine.resume(co) end
print(coroutine.resume(co))
print(coroutine.status(co), coroutine.resume(co))
