-- Argument errors of string functions called as methods count from the
-- first argument after self, as Lua numbers them (calls not in tail
-- position, so the error carries the caller's line).
local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() local s = "x" local r = s:rep() return r end)
try(function() local s = "x" local r = s:rep({}) return r end)
try(function() local s = "abc" local r = s:sub() return r end)
try(function() local s = "abc" local r = s:char() return r end)
try(function() local s = "%d" local r = s:format("x") return r end)
try(function() local s = "x" local r = s:byte(1, {}) return r end)
try(function() local s = "x" local r = s:find({}) return r end)
try(function() local s = "a,b" local r = s:gsub(",", true) return r end)
-- Not methods: every argument counts.
try(function() local r = string.rep("x") return r end)
try(function() local s = "x" local r = s.rep() return r end)
-- A method's replacement function raising its own argument error.
try(function()
  local s = "x"
  local r = s:gsub("x", function() local y = ("y"):rep({}) return y end)
  return r
end)
print(("ab"):rep(2), ("%d-%s"):format(3, "x"))
