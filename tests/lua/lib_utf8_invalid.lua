-- utf8 on invalid input: fail plus position, lax mode, and Lua's errors.
print(utf8.len("\xff"), utf8.len("ab\x80cd"))
print(utf8.len("abc\xe2\x82"))
print(utf8.len("\xed\xa0\x80"), utf8.len("\xed\xa0\x80", 1, -1, true))
print(utf8.len("\xf4\x90\x80\x80"), utf8.len("\xf4\x90\x80\x80", 1, -1, true))
print(utf8.len("\xc0\x80"), utf8.len("\xc1\xbf", 1, -1, true), utf8.len("\xfe"), utf8.len("\xfd\xbf\xbf\xbf\xbf\xbf", 1, -1, true))
print(utf8.codepoint("\xed\xa0\x80", 1, 1, true), utf8.codepoint("\xf4\x90\x80\x80", 1, 1, true))
for pos, code in utf8.codes("\x80ab") do io.write(pos, ":", code, " ") end
print()
for pos, code in utf8.codes("a\xed\xa0\x80b", true) do io.write(pos, ":", code, " ") end
print()
local f, s, c = utf8.codes("abc")
print(f(s, c), f(s, 1), f(s, 3), f(s, -1), f(s, 100))

-- Validating input lines the way a plan loader would.
local lines = {"Zoë;3", "bad\xffname;2", "ok;1", "cut\xe2\x82;4"}
for i, line in ipairs(lines) do
  local n, bad = utf8.len(line)
  if n then
    print(i, "ok", n)
  else
    print(i, "invalid byte at", bad, string.format("%q", line:sub(bad, bad)))
  end
end

local function try(f)
  local ok, err = pcall(f)
  print(ok, err)
end
try(function() local r = utf8.char(-1) return r end)
try(function() local r = utf8.char(0x80000000) return r end)
try(function() local r = utf8.char(65, "x") return r end)
try(function() local r = utf8.char(1.5) return r end)
try(function() local r = utf8.len() return r end)
try(function() local r = utf8.len("abc", 0) return r end)
try(function() local r = utf8.len("abc", 5) return r end)
try(function() local r = utf8.len("abc", 1, 4) return r end)
try(function() local r = utf8.len("abc", -10) return r end)
try(function() local r = utf8.codepoint("héllo", 3) return r end)
try(function() local r = utf8.codepoint("abc", 0) return r end)
try(function() local r = utf8.codepoint("abc", 1, 4) return r end)
try(function() local r = utf8.codepoint("\xed\xa0\x80") return r end)
try(function() local r = utf8.codepoint("\xf4\x90\x80\x80") return r end)
try(function() local r = utf8.codepoint({}) return r end)
try(function() local r = utf8.offset("héllo", 1, 3) return r end)
try(function() local r = utf8.offset("abc", 1, 5) return r end)
try(function() local r = utf8.offset("abc", 1, 0) return r end)
try(function() local r = utf8.offset("abc") return r end)
try(function() local r = utf8.codes() return r end)
try(function() for p in utf8.codes("a\xed\xa0\x80b") do io.write(p, " ") end end)
try(function() for p in utf8.codes("ab\xff") do io.write(p, " ") end end)
try(function() for p in utf8.codes("ab\xe2\x82") do io.write(p, " ") end end)
try(function() for p in f, nil, 0 do end end)
for p, code in utf8.codes("ok\xffno") do print(p, code) end
