-- String methods called on literals, on parenthesised expressions and through the string table.
print(("hello"):upper(), ("%d items"):format(3), ("a,b,c"):find(",", 1, true))
print(("abc"):rep(3, "-"), ("  pad  "):len(), ("Hello"):lower():upper())
print(("x=1"):match("(%w)=(%d)"))
print(("banana"):gsub("a", "o"))
print(("abc"):byte(1, -1))
print(("abc"):sub(-2), ("abc"):reverse())
local s = "Plan"
print(s:len(), #s, s:sub(2, 3), s:byte(), s .. s:lower())
print(string.upper("mixed Case"), ("%5.1f"):format(2.25))
local t = {name = "item"}
print(t.name:upper(), (t.name .. "s"):upper())
print(("one two three"):gsub("%w+", string.upper))
for w in ("k1=v1;k2=v2"):gmatch("(%w+)=(%w+)") do io.write(w, " ") end
print()
print(#("abc"):rep(0), ("x"):rep(-1) == "")
local n = 42
print(tostring(n):len(), (tostring(n)):rep(2))
