-- Errors in coroutines: positions at level 1, wrap re-raising, error values of any type, yield across pcall.
local co = coroutine.create(function() local x = 1; error("failed at step " .. x) end)
print(coroutine.resume(co))
local w = coroutine.wrap(function() error({code = 5}) end)
local ok, e = pcall(w)
print(ok, type(e), e.code)
local w2 = coroutine.wrap(function() coroutine.yield(1); error("second call fails", 0) end)
print(w2())
print(pcall(w2))
local co2 = coroutine.create(function()
  local ok2, v = pcall(function()
    local got = coroutine.yield("yielded inside pcall")
    if got == "boom" then error("raised after resume", 0) end
    return got
  end)
  coroutine.yield("pcall returned " .. tostring(ok2) .. " " .. tostring(v))
  return "end"
end)
print(coroutine.resume(co2))
print(coroutine.resume(co2, "boom"))
print(coroutine.resume(co2))
print(coroutine.resume(co2))
print(select("#", coroutine.resume(coroutine.create(function() return nil, nil end))))
