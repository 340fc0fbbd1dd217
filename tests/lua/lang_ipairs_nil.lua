-- ipairs stops at the first nil; # of a sequence; ipairs honours __index.
local t = {1, 2, nil, 4}
local n = 0
for i, v in ipairs(t) do n = i end
print(n)
local u = {"a", "b", "c"}
u[5] = "e"
local seen = {}
for i, v in ipairs(u) do seen[#seen + 1] = i .. v end
print(table.concat(seen, " "))
local proxy = setmetatable({}, {__index = function(_, i) if i <= 4 then return i * 10 end end})
local got = {}
for i, v in ipairs(proxy) do got[#got + 1] = v end
print(table.concat(got, " "))
local empty = 0
for _ in ipairs({}) do empty = empty + 1 end
print(empty)
local first_nil = 0
for _ in ipairs({nil, 2, 3}) do first_nil = first_nil + 1 end
print(first_nil)
print(#{1, 2, 3}, #{}, #"abc")
local holes = {}
holes[1] = "x"; holes[2] = "y"
print(#holes)
holes[#holes + 1] = "z"
print(#holes, holes[3])
