-- string.len, sub, lower, upper, reverse: numbers as Lua formats them,
-- positions clipped as Lua clips them, Lua's argument errors.
local code = "PLAN-2024-Q3"
print(code:sub(1, 4), code:sub(6, 9), code:sub(-2), code:sub(-2, -2), code:sub(0), code:sub(100))
print(code:sub(3, 2) == "", code:sub(-100, 100), code:sub(2.0, 3), code:sub("2", "3"), code:sub(3, nil))
print(code:sub(math.mininteger, math.maxinteger), code:sub(math.maxinteger), code:sub(-1, math.mininteger) == "")
print(string.len(code), string.len(""), string.len(123), string.len(1.5), string.len("a\0b"))
print(string.upper(2.0), string.lower(1e100), string.upper(-0.0), string.reverse(12), string.sub(3.25, 2))
print(("Ärger ÜBER straße"):lower(), ("straße"):upper(), ("abc"):reverse(), (""):reverse() == "")
-- Title-casing the words of a label.
local label = "capacity by skill and week"
print((label:gsub("(%a)(%a*)", function(first, rest) return first:upper() .. rest:lower() end)))
local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() local r = string.len(nil) return r end)
try(function() local r = string.len() return r end)
try(function() local r = string.sub("hello", 2.5) return r end)
try(function() local r = string.sub("hello") return r end)
try(function() local r = string.sub("hello", {}) return r end)
try(function() local r = string.sub("hello", 1, "x") return r end)
try(function() local r = string.sub() return r end)
try(function() local r = string.upper(nil) return r end)
try(function() local r = string.lower() return r end)
try(function() local r = string.reverse({}) return r end)
