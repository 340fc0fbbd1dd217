-- Varargs: select, select('#'), nils in the middle and at the end, table.pack.
local function count(...) return select("#", ...) end
print(count(), count(nil), count(1, nil), count(nil, nil, nil))
local function second(...) return (select(2, ...)) end
print(second("a", "b", "c"))
print(select(2, "a", "b", "c"))
print(select(-1, "a", "b", "c"))
print(select(-2, "a", "b", "c"))
print(select(4, "a", "b", "c"))
print(select(-3, "a", "b", "c"))

local function pass(...) return ... end
print(pass(1, nil, 3))
print((pass(1, 2, 3)))
local t = {pass(1, 2, 3), pass(4, 5)}
print(#t, t[1], t[2], t[3])

local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v then s = s + v end
  end
  return s
end
print(sum(1, 2, nil, 4))

local function packed(...)
  local p = table.pack(...)
  return p.n, p[1], p[p.n]
end
print(packed("x", nil, "z"))
print(packed())

local function fixed_then_rest(a, b, ...)
  return a, b, select("#", ...), ...
end
print(fixed_then_rest(1))
print(fixed_then_rest(1, 2, 3, 4))

-- varargs in the main chunk are the script arguments
print(select("#", ...), ...)
print(arg[1], arg[2], #arg)
