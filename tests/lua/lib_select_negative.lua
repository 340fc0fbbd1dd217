-- select with negative indices and '#', used to take the last arguments.
local function last(...) return (select(-1, ...)) end
local function last_two(...) return select(-2, ...) end
print(last(1, 2, 3), last("only"))
print(last_two("a", "b", "c"))
print(select("#"), select("#", nil), select("#", select(2, 1, 2, 3)))
print(select(2, "a", nil, "c"))
print(pcall(select, -5, 1, 2) == false)
print((pcall(select, "x", 1)))
local function drop_first(_, ...) return ... end
print(drop_first(1, 2, 3))
print(select(1.0, "float index"))
