-- string.rep with separators, zero and negative counts, building rulers and tables.
print(("ab"):rep(3, "|"), ("ab"):rep(1, "|"), ("ab"):rep(0, "|") == "", ("x"):rep(-2, ",") == "")
print(string.rep("-", 20))
print(string.rep("=", 5, " "))
print(#string.rep("abc", 1000), #string.rep("a", 10, "bb"))
local cols = {8, 5, 10}
local parts = {}
for i, w in ipairs(cols) do parts[i] = string.rep("-", w) end
print("+" .. table.concat(parts, "+") .. "+")
print(("?"):rep(4, ", "))
print(string.rep("", 5), string.rep("", 3, ",") )
