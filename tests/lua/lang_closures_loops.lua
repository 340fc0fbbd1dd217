-- Loop variables are fresh per iteration: closures made in loops see their own copy.
local fs = {}
for i = 1, 3 do fs[#fs + 1] = function() return i end end
print(fs[1](), fs[2](), fs[3]())

local gs = {}
for _, name in ipairs({"a", "b", "c"}) do gs[#gs + 1] = function() return name end end
print(gs[1](), gs[2](), gs[3]())

local hs = {}
local j = 0
while j < 3 do
  j = j + 1
  local k = j * 10
  hs[#hs + 1] = function() k = k + 1; return k end
end
print(hs[1](), hs[1](), hs[2](), hs[3]())

-- a local declared before the loop is shared by all closures
local ks = {}
local shared = 0
for i = 1, 3 do
  shared = i
  ks[i] = function() return shared end
end
print(ks[1](), ks[2](), ks[3]())

-- repeat-until: the body's locals are visible in the condition
local n = 0
repeat
  local done = n >= 2
  n = n + 1
until done
print(n)

-- modifying the loop variable copy does not change the iteration
local seen = {}
for i = 1, 4 do
  local before = i
  i = i * 100
  seen[#seen + 1] = before .. ":" .. i
end
print(table.concat(seen, " "))
