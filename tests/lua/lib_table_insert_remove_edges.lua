-- table.insert and table.remove at the edges: empty tables, position #t+1, remove(t, 0), errors.
local t = {}
table.insert(t, "a")
table.insert(t, 1, "b")
table.insert(t, #t + 1, "c")
print(table.concat(t, ","))
print(table.remove(t, 1), table.concat(t, ","))
print(table.remove({}), table.remove({}, 0), table.remove({}, 1))
local u = {"x"}
print(table.remove(u, 2), #u)
print(table.remove(u), #u, table.remove(u))
print(pcall(table.insert, {1, 2}, 5, "x") == false)
print(pcall(table.insert, {1, 2}, 1, 2, 3) == false)
print(pcall(table.insert, {}, 0, "x") == false)
local q = {}
for i = 1, 5 do table.insert(q, i) end
local drained = {}
while #q > 0 do drained[#drained + 1] = table.remove(q, 1) end
print(table.concat(drained, " "))
local stack = {}
for _, v in ipairs({"p", "q", "r"}) do stack[#stack + 1] = v end
print(table.remove(stack), table.remove(stack), #stack)
local n0 = {[0] = "zero"}
print(table.remove(n0, 0), n0[0])
