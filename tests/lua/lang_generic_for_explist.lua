-- A generic `for` whose list ends in a call: the call's values fill the
-- iterator's state and control, as Lua adjusts the list to three values.
local function iter(state, control)
  if control < state.last then
    return control + 1, state.name
  end
end
local function state_and_start() return { last = 3, name = "s" }, 1 end
for i, name in iter, state_and_start() do
  print("resumed", i, name)
end

-- `next` with a table and a starting key from one call.
local t = { 10, 20, 30 }
local function from_second() return t, 1 end
for k, v in next, from_second() do
  print("next", k, v)
end

-- A call giving only the state: the control starts as nil.
local function only_state() return { 7, 8 } end
for k, v in next, only_state() do
  print("state only", k, v)
end

-- Three expressions: the third is the control.
local function one() return 1 end
for k, v in iter, { last = 4, name = "x" }, one() do
  print("three", k, v)
end

-- `...` at the end of the list.
local function over(...)
  for k, v in next, ... do
    print("varargs", k, v)
  end
end
over({ "a", "b", "c" }, 2)

-- A bad starting key is an error, as in Lua.
local function bad_key() return { a = 1 }, true end
local ok, message = pcall(function()
  for _ in next, bad_key() do end
end)
print(ok, (message:gsub("^.-:%d+: ", "")))

-- Nested loops, break and upvalues captured per iteration.
local closures = {}
for i, name in iter, state_and_start() do
  for j in iter, { last = i + 1, name = "inner" }, i - 1 do
    if j > i then break end
    closures[#closures + 1] = function() return i * 10 + j end
  end
end
for _, f in ipairs(closures) do io.write(f(), " ") end
print()
