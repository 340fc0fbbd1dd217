-- Concatenation formats numbers as Lua 5.4 and honours __concat.
local x = 3.0
print("total: " .. x, x .. "", 1 .. 2, 10 / 4 .. "w", -x .. "|", 2^53 .. "")
print("a" .. "b" .. "c" .. 1.5 .. 2)
local n = 5
print("n+1=" .. n + 1 .. "!", ("x"):rep(2) .. "y")
print(#("ab" .. "cd"), "ab" .. "cd" == "abcd", "a" .. "b" < "b")
local V = setmetatable({}, {__concat = function(a, b)
  local function s(v) return type(v) == "table" and "V" or tostring(v) end
  return s(a) .. "+" .. s(b)
end})
print(V .. "x", "x" .. V, "a" .. V .. "b", 1 .. V)
print(pcall(function() return "a" .. nil end))
print(pcall(function() return {} .. "a" end))
local parts = {}
for i = 1, 3 do parts[#parts + 1] = i / 2 .. "" end
print(parts[1], parts[2], parts[3])
local s = ""
for i = 1, 5 do s = s .. i .. "," end
print(s)
print(("%d"):format(3) .. 0.1)
