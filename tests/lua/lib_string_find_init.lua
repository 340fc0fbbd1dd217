-- string.find: init past the end, negative init, empty patterns, plain finds of magic characters.
local s = "plan.lua (v1.2)"
print(s:find("%."), s:find(".", 1, true), s:find("(", 1, true), s:find("%((v[%d.]+)%)"))
print(s:find("a", 4), s:find("a", -4), s:find("a", -100), s:find("a", 100))
print(s:find(""), s:find("", 5), s:find("", #s + 1), s:find("", #s + 2))
print(("aaa"):find("a", 0), ("abc"):find("c", -1), ("abc"):find("b", -1))
print(("x+y"):find("+", 1, true), ("a.b"):find(".", 2, true), ("%d"):find("%d", 1, true))
print(("hello world"):find("o w"), ("hello"):find("l+"), ("hello"):find("xyz"))
print(string.find("key = value", "(%w+)%s*=%s*(%w+)"))
print(string.find("abc", "b", 1.0), pcall(string.find, "abc", "b", 1.5) == false)
print(("[test]"):find("[", 1, true), ("a]b"):find("]"))
