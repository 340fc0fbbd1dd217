-- Lua 5.4 <close> locals: __close runs on every way out of the scope.
local function join(t) local s = "" for i = 1, #t do s = s .. (i > 1 and " " or "") .. t[i] end return s end
local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(self, err) log[#log + 1] = name .. ":" .. tostring(err) end})
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  log[#log + 1] = "body"
end
print(join(log))
log = {}
local function f(x)
  local c <close> = closer("c")
  if x then return "early", x end
  return "late"
end
print(f(1))
print(f())
print(join(log))
log = {}
for i = 1, 3 do
  local d <close> = closer("d" .. i)
  if i == 2 then break end
end
print(join(log))
log = {}
local ok, err = pcall(function()
  local e <close> = closer("e")
  error("boom")
end)
print(ok, err, join(log))
print(pcall(function() local z <close> = 42 end))
local n <close> = nil
print("nil is fine")
local function g(...)
  local h <close> = closer("h")
  return select("#", ...), ...
end
print(g(1, 2, 3))
for i = 1, 3 do
  local k <close> = closer("k")
  if i < 3 then goto continue end
  print("last", i)
  ::continue::
end
