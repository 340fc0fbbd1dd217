-- Capturing varargs in closures via table.pack; partial application; varargs with nils preserved.
local function bind(f, ...)
  local bound = table.pack(...)
  return function(...)
    local args = {}
    for i = 1, bound.n do args[i] = bound[i] end
    local more = table.pack(...)
    for i = 1, more.n do args[bound.n + i] = more[i] end
    return f(table.unpack(args, 1, bound.n + more.n))
  end
end
local function show(...) return select("#", ...) .. ":" .. table.concat({tostring((...)), tostring(select(-1, ...))}, "..") end
local f = bind(show, 1, nil)
print(f(3), f(), f(nil))
local add3 = bind(function(a, b, c) return a + b + c end, 1, 2)
print(add3(3), add3(10))
local function logger(prefix)
  return function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    return prefix .. table.concat(parts, " ")
  end
end
local log = logger("[plan] ")
print(log("moved", 3, "to", 1, nil))
print(log())
