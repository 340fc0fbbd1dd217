-- Coroutine status transitions, resuming dead coroutines, wrap errors, nested coroutines.
local log = {}
local outer
local inner = coroutine.create(function()
  log[#log + 1] = "inner " .. coroutine.status(inner)
  coroutine.yield()
end)
outer = coroutine.create(function()
  log[#log + 1] = "outer " .. coroutine.status(outer)
  coroutine.resume(inner)
  log[#log + 1] = "inner " .. coroutine.status(inner)
  coroutine.yield()
end)
log[#log + 1] = "before " .. coroutine.status(outer)
coroutine.resume(outer)
log[#log + 1] = "after " .. coroutine.status(outer)
coroutine.resume(outer)
log[#log + 1] = "end " .. coroutine.status(outer)
print(table.concat(log, "\n"))
print(coroutine.resume(outer))
local w = coroutine.wrap(function() return 1 end)
print(w())
print((pcall(w)))
print(coroutine.resume(coroutine.running()))
local count = 0
local co = coroutine.create(function(...)
  local args = {...}
  while true do
    count = count + 1
    args = {coroutine.yield(#args)}
  end
end)
print(coroutine.resume(co, 1, 2, 3))
print(coroutine.resume(co))
print(coroutine.resume(co, nil, nil))
print(count, coroutine.status(co))
