-- Reading the string library through a string value with '.', as Lua allows.
local s = "Plan Quarter"
print(s.len == string.len, ("abc").rep == string.rep, s.upper(s), ("x").rep("ab", 3))
print(s["sub"](s, 1, 4), ("abc")["len"]("hello"), getmetatable(s).__index.len == s.len)
-- Keep a string function found through a value, as generic code does.
local format = ("").format
print(format("%s: %d of %d done", "auth", 3, 5))
local function describe(value)
  return value.format("%s (%d chars, %s)", value, value.len(value), value.upper(value))
end
print(describe("Week 7"), describe("auth"))
local label = "release"
local n = 0
for w in label.gmatch("a b c", "%a") do n = n + 1 end
print(n, label.byte(label), label.char(72, 105), label.find(label, "le"))
print(label.match(label, "^(r%a+)"), label.gsub(label, "e", "E"), label.reverse(label))
print(label.pack("<i2", 1) == "\1\0", label.unpack("<i2", "\1\0"), label.packsize("i4"))

-- Tables with fields named like string functions keep their own values.
local view = {format = "table", len = 3, sub = {"a", "b"}, find = function(self, x) return x * 2 end}
print(view.format, view.len, #view.sub, view:find(21), view["format"])
view.len = view.len + 1
print(view.len)
local proxy = setmetatable({}, {__index = function(_, key) return "via " .. key, "extra" end})
print(proxy.format, proxy.len)
local inherited = setmetatable({}, {__index = {upper = "from parent"}})
print(inherited.upper, rawget(inherited, "upper"))
local str = string
print(str.format("%05d", 42), string.format("%x", 255), table.unpack({1, 2}))

-- Indexing what cannot be indexed names it as Lua does.
local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
local obj = {name = "x"}
local up = nil
try(function() local missing = nil; local r = missing.len return r end)
try(function() local r = undefined_global.format return r end)
try(function() local r = up.len return r end)
try(function() local r = obj.missing.len return r end)
try(function() local r = obj["missing"].len return r end)
try(function() local r = (5).len return r end)
try(function() local r = (true).rep return r end)
try(function() local r = obj.name.len.len return r end)
try(function() local r = obj.name.len(nil) return r end)
-- A field read in a return keeps its position, and one value.
local function length_of(x) return x.len end
try(function() local r = length_of(nil) return r end)
print(length_of("abc") == string.len, select("#", length_of(proxy)))
local nothing
print(nothing.format)
