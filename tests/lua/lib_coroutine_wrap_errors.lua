-- coroutine.wrap errors and argument errors of the coroutine functions.
local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
-- An error inside a wrapped coroutine gets the caller's position too.
local step = coroutine.wrap(function()
  coroutine.yield(1)
  error("bad estimate")
end)
print(step())
try(function() local r = step() return r end)
try(function() local r = step() return r end)
print(pcall(step))
local tabled = coroutine.wrap(function() error({reason = "blocked"}) end)
local ok, err = pcall(tabled)
print(ok, type(err), err.reason)
local levelless = coroutine.wrap(function() error("plain", 0) end)
try(function() local r = levelless() return r end)
local numbered = coroutine.wrap(function() error(42) end)
print(pcall(numbered))

-- A wrapped generator used in a for loop.
local function range(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i, i * i) end
  end)
end
for i, sq in range(4) do io.write(i, "=", sq, " ") end
print()

-- Yields pass through pcall inside the coroutine.
local co = coroutine.create(function()
  local ok2, value = pcall(coroutine.yield, "paused")
  return ok2, value
end)
print(coroutine.resume(co))
print(coroutine.resume(co, "resumed"))
print(coroutine.status(co))

-- Resuming what cannot be resumed.
print(coroutine.resume(co))
print(coroutine.resume(coroutine.running()))
local selfish
selfish = coroutine.create(function() return coroutine.resume(selfish) end)
print(coroutine.resume(selfish))

try(function() local r = coroutine.create(1) return r end)
try(function() local r = coroutine.create() return r end)
try(function() local r = coroutine.wrap("f") return r end)
try(function() local r = coroutine.resume(nil) return r end)
try(function() local r = coroutine.resume({}) return r end)
try(function() local r = coroutine.status() return r end)
try(function() local r = coroutine.close(1) return r end)
try(function() local r = coroutine.close() return r end)
try(function() local r = coroutine.isyieldable(1) return r end)
local dead = coroutine.wrap(function() end)
dead()
try(function() local r = dead() return r end)
dead()
