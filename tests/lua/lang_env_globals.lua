-- Globals, _G, _ENV and load with an environment.
counter = 1
print(_G.counter, _ENV.counter, _ENV == _G)
_G.other = "set via _G"
print(other)
local function with_env()
  local _ENV = {print = print, x = "local env"}
  print(x, counter)
end
with_env()
local env = {tostring = tostring}
local chunk = load("y = 5; return tostring(y * 2)", "chunk", "t", env)
print(chunk(), env.y, y)
print(rawget(_G, "undefined_global"))
local setter = load("z = ...; return z")
print(setter("arg"), z)
local names = {}
for _, k in ipairs({"print", "pairs", "string", "table", "math", "coroutine", "os", "io"}) do
  names[#names + 1] = k .. "=" .. type(_G[k])
end
print(table.concat(names, " "))
setmetatable(_G, {__index = function(_, k) return "auto:" .. k end})
print(missing_name)
setmetatable(_G, nil)
print(missing_name)
