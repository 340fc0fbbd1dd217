-- __call, __len, __unm, __concat and __tostring/__name.
local Multiplier = setmetatable({}, {__call = function(self, a, b) return a * b, self end})
local r, self = Multiplier(6, 7)
print(r, self == Multiplier)
local memo = setmetatable({}, {__call = function(cache, n)
  if cache[n] == nil then cache[n] = n * n end
  return cache[n]
end})
print(memo(4), memo(4), rawget(memo, 4))
local Stack = {}
Stack.__index = Stack
Stack.__len = function(s) return s.n end
function Stack.new() return setmetatable({n = 0, items = {}}, Stack) end
function Stack:push(v) self.n = self.n + 1; self.items[self.n] = v; return self end
local s = Stack.new():push("a"):push("b")
print(#s, rawlen(s))
local Str = {}
Str.__concat = function(a, b)
  local x = type(a) == "table" and a.s or tostring(a)
  local y = type(b) == "table" and b.s or tostring(b)
  return setmetatable({s = x .. y}, Str)
end
Str.__tostring = function(v) return "Str<" .. v.s .. ">" end
local w = setmetatable({s = "mid"}, Str)
print(tostring(w .. ">"), tostring(w .. w), tostring(1 .. w))
local plain = setmetatable({}, {})
print((tostring(plain):gsub("0x%x+", "ADDR")))
print(tostring(setmetatable({}, {__tostring = function() return "custom" end})))
print(pcall(tostring, setmetatable({}, {__tostring = function() return 42 end})) == false)
