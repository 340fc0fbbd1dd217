-- coroutine.close, isyieldable, running and status as Lua 5.4 has them.
-- A plan walks work items through a generator and stops it early.
local function items(list)
  return coroutine.create(function()
    for i, item in ipairs(list) do
      coroutine.yield(i, item)
    end
    return "exhausted"
  end)
end
local gen = items({"design", "build", "test", "ship"})
print(coroutine.resume(gen))
print(coroutine.resume(gen))
print(coroutine.status(gen), coroutine.close(gen), coroutine.status(gen))
print(coroutine.resume(gen))
print(coroutine.close(gen), coroutine.close(gen))

-- Closing a coroutine that was never started, or finished normally.
local fresh = coroutine.create(function() print("never runs") end)
print(coroutine.close(fresh), coroutine.status(fresh))
local done = coroutine.create(function() return 1 end)
print(coroutine.resume(done))
print(coroutine.close(done), coroutine.status(done))

-- A coroutine that died in an error: close returns false and the error, once.
local failing = coroutine.create(function(limit)
  coroutine.yield("checking")
  error("capacity exceeded: " .. limit)
end)
print(coroutine.resume(failing, 40))
print(coroutine.resume(failing))
print(coroutine.status(failing))
print(coroutine.close(failing))
print(coroutine.close(failing))
local with_table = coroutine.create(function() error({code = 7}) end)
local ok, err = coroutine.resume(with_table)
local closed, same = coroutine.close(with_table)
print(ok, type(err), err.code, closed, same == err)

-- Running and normal coroutines cannot be closed.
local main = coroutine.running()
local outer
outer = coroutine.create(function()
  print("outer sees", coroutine.status(outer), coroutine.status(main))
  print(pcall(coroutine.close, outer))
  print(pcall(coroutine.close, main))
  local inner = coroutine.create(function()
    print("inner sees outer as", coroutine.status(outer))
    print(pcall(coroutine.close, outer))
  end)
  coroutine.resume(inner)
  return "outer done"
end)
print(coroutine.resume(outer))

-- running and isyieldable.
local co, is_main = coroutine.running()
print(type(co), is_main, coroutine.isyieldable(), coroutine.isyieldable(co))
local inside = coroutine.create(function()
  local me, main_flag = coroutine.running()
  print(type(me), main_flag, coroutine.isyieldable(), coroutine.isyieldable(me), coroutine.isyieldable(co))
end)
coroutine.resume(inside)
print(coroutine.isyieldable(inside))

-- Yielding from the main thread is an error, caught or not.
print(pcall(coroutine.yield, 1))
print(pcall(function() coroutine.yield(1) end))
coroutine.yield("from main")
print("not reached")
