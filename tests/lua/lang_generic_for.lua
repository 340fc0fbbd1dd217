-- Generic for: stateful closures, stateless iterators, and the iterator protocol.
local function range(n, step)
  step = step or 1
  local i = 0
  return function()
    i = i + step
    if i <= n then return i end
  end
end
local out = {}
for v in range(10, 3) do out[#out + 1] = v end
print(table.concat(out, " "))

local function iter(t, i)
  i = i + 1
  local v = t[i]
  if v ~= nil then return i, v end
end
local function my_ipairs(t) return iter, t, 0 end
for i, v in my_ipairs({"a", "b", "c"}) do io.write(i, "=", v, " ") end
print()

-- the control variable is the first value; iteration stops when it is nil
local function pairs_of(t)
  return function(state, k)
    k = k + 2
    if state[k] then return k, state[k - 1], state[k] end
  end, t, 0
end
for k, a, b in pairs_of({1, 2, 3, 4, 5, 6}) do print(k, a, b) end

-- string.gmatch as an iterator
for word, num in ("a=1, b=22, c=333"):gmatch("(%a+)=(%d+)") do io.write(word, num, ";") end
print()

-- next as the iterator directly
local t = {x = 1}
for k, v in next, t do print(k, v) end

-- an iterator that returns false stops nothing: only nil ends the loop
local vals = {true, false, true}
local n = 0
for _, v in ipairs(vals) do n = n + 1 end
print(n)

-- a __call table as iterator
local callable = setmetatable({i = 0}, {__call = function(self)
  self.i = self.i + 1
  if self.i <= 3 then return self.i * self.i end
end})
for sq in callable do io.write(sq, " ") end
print()
