-- utf8: team names with accents and symbols, laid out by characters, not bytes.
local people = {"Zoë", "José", "Ana", "Łukasz", "Ngọc", "Renée ☕"}

-- Pad names to a column width counted in characters.
local function pad(s, width)
  return s .. string.rep(" ", width - utf8.len(s))
end
local width = 0
for _, name in ipairs(people) do width = math.max(width, utf8.len(name)) end
for _, name in ipairs(people) do
  print("|" .. pad(name, width) .. "|", #name, utf8.len(name))
end

-- Truncate a label on a character boundary.
local function truncate(s, n)
  if utf8.len(s) <= n then return s end
  return s:sub(1, utf8.offset(s, n + 1) - 1) .. "…"
end
print(truncate("Überprüfung der Kapazität", 10), truncate("short", 10), truncate("日本語のテキスト", 3))

-- Initials, code points, and rebuilding strings from code points.
local initials = {}
for _, name in ipairs(people) do
  initials[#initials + 1] = utf8.char(utf8.codepoint(name, 1))
end
print(table.concat(initials, "."))
print(utf8.codepoint("héllo", 1, -1))
print(utf8.char(72, 233, 8364, 128512), utf8.char(), utf8.char(0x10FFFF) == "\u{10FFFF}")
print(#utf8.char(0x7F), #utf8.char(0x80), #utf8.char(0x7FF), #utf8.char(0x800), #utf8.char(0xFFFF))
print(#utf8.char(0x10000), #utf8.char(0x1FFFFF), #utf8.char(0x200000), #utf8.char(0x3FFFFFF), #utf8.char(0x4000000), #utf8.char(0x7FFFFFFF))
print(utf8.char(0x7FFFFFFF) == "\xFD\xBF\xBF\xBF\xBF\xBF", utf8.char(0xD800) == "\xED\xA0\x80")

-- Iterating characters with codes and with charpattern.
local s = "añb€😀"
for pos, code in utf8.codes(s) do io.write(pos, ":", code, " ") end
print()
for ch in s:gmatch(utf8.charpattern) do io.write("[", ch, "]") end
print()
print(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*", #utf8.charpattern)
local reversed = {}
for _, code in utf8.codes(s) do table.insert(reversed, 1, code) end
print(utf8.char(table.unpack(reversed)))

-- len and codepoint with ranges; offset in both directions.
local t = "héllo wörld €😀"
print(utf8.len(t), #t, utf8.len(""), utf8.len(t, 3), utf8.len(t, 4), utf8.len(t, -4), utf8.len(t, 1, 2))
print(utf8.len(t, #t + 1), utf8.len(t, 2, 1), utf8.len(t, -1), utf8.len(123))
print(utf8.codepoint(t), utf8.codepoint(t, 2), utf8.codepoint(t, 1, 3), utf8.codepoint(t, -4), utf8.codepoint(123, 2))
print(select("#", utf8.codepoint(t, 3, 2)), select("#", utf8.codepoint(t, 1, -1)))
print(utf8.offset(t, 1), utf8.offset(t, 2), utf8.offset(t, 3), utf8.offset(t, -1), utf8.offset(t, -2))
print(utf8.offset(t, 0, 3), utf8.offset(t, 0, 2), utf8.offset(t, 3, 4), utf8.offset(t, -1, 4))
print(utf8.offset(t, 100), utf8.offset(t, -100), utf8.offset(t, 1, #t + 1), utf8.offset(t, 0, #t + 1))
print(utf8.offset("", 1), utf8.offset("", -1), utf8.offset("", 0))

-- The library is also a module.
print(require("utf8") == utf8, package.loaded.utf8 == utf8)
