-- string.pack/unpack: a plan snapshot as fixed binary records and back.
local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local work = {
  {id = 101, name = "auth", weeks = 3.5, people = 2, done = false},
  {id = 102, name = "billing", weeks = 8.25, people = 4, done = true},
  {id = 70000, name = "search índex", weeks = 0.5, people = 1, done = false},
}

-- Header: magic, format version, record count; then one record per item.
local HEADER = "<c4 B I2"
local RECORD = "<i4 s1 d B B"
local parts = {string.pack(HEADER, "QPLN", 1, #work)}
for _, w in ipairs(work) do
  parts[#parts + 1] = string.pack(RECORD, w.id, w.name, w.weeks, w.people, w.done and 1 or 0)
end
local blob = table.concat(parts)
print(#blob, string.packsize(HEADER), hex(blob:sub(1, 7)))

local magic, version, count, pos = string.unpack(HEADER, blob)
print(magic, version, count, pos)
for _ = 1, count do
  local id, name, weeks, people, done
  id, name, weeks, people, done, pos = string.unpack(RECORD, blob, pos)
  print(id, name, weeks, people, done == 1, pos)
end
print(pos == #blob + 1)

-- Fixed-size rows can be indexed directly.
local ROW = ">I4 c8 f"
local rowsize = string.packsize(ROW)
local rows = {}
for i = 1, 4 do rows[i] = string.pack(ROW, i * 1000, "team" .. i, i / 4) end
local table_blob = table.concat(rows)
local third = string.unpack(ROW, table_blob, 2 * rowsize + 1)
print(rowsize, #table_blob, third, select(2, string.unpack(ROW, table_blob, rowsize + 1)))

-- Byte order, sizes, alignment.
print(hex(string.pack("<i4", 100)), hex(string.pack(">i4", 100)), hex(string.pack("=i2", 1)))
print(hex(string.pack("b B h H l L j J T", -1, 255, -2, 65535, -3, 3, -4, 4, 5)))
print(hex(string.pack("i3", -5)), hex(string.pack("i16", -1)), hex(string.pack(">i16", 1)), hex(string.pack("I16", -1)))
print(hex(string.pack("f d n", 1.5, 2.25, -0.0)), hex(string.pack(">f >d", 1.5, 2.25)))
print(hex(string.pack("s2 z c5", "ab", "cd", "ef")), hex(string.pack("c0", "")), string.pack("") == "")
print(hex(string.pack("!4 b i4 b i8 b", 1, 2, 3, 4, 5)), hex(string.pack("! b d", 1, 2.0)))
print(hex(string.pack("!8 b Xi8 b", 1, 2)), hex(string.pack("b Xh b", 1, 2)), hex(string.pack("x b xx", 7)))
print(hex(string.pack("!16 b i16", 1, 2)))
print(hex(string.pack("i4", 1.0)), hex(string.pack("i4", "12")), hex(string.pack("d", "1e3")), hex(string.pack("s", 12)))
print(hex(string.pack("i4 \0 i4", 1, 2)))
print(string.packsize("i4 i8 d b"), string.packsize("!i4 i8 d b"), string.packsize(""), string.packsize("c10 x"), string.packsize("!8 b Xd"))
print(string.packsize("c214748364"), string.packsize("c1073741824 c1073741823"), pcall(string.packsize, "c2147483647"))

-- unpack: integers of every size, floats, strings, positions.
print(string.unpack(">i4 <i2", string.pack(">i4 <i2", -7, 300)))
print(string.unpack("b B h H l L j J T", string.pack("b B h H l L j J T", -1, 255, -2, 65535, -3, 3, -4, 4, 5)))
print(string.unpack("i3", string.pack("i3", -5)), string.unpack("I3", string.pack("i3", -5)))
print(string.unpack("i16", string.pack("i16", math.mininteger)), string.unpack("I16", string.pack("I16", -1)))
print(string.unpack("<i9", "\255\255\255\255\255\255\255\255\255"), string.unpack(">I9", "\0\0\0\0\0\0\0\0\42"))
print(string.unpack("f d n", string.pack("f d n", 1.5, 2.25, -0.0)))
print(string.unpack("f", string.pack("f", 0.1)), string.unpack("f", string.pack("f", 1e300)))
print(string.unpack("s1 s2 z c3", string.pack("s1 s2 z c3", "hi", "there", "zero", "abc")))
print(string.unpack("i4", "abcdabcd", 5), string.unpack("i4", "abcdabcd", -4), string.unpack("i4", "abcdabcd", -100))
print(string.unpack("i4", "abcdabcd", 0), string.unpack("", "abc", 2), string.unpack("", "abc", 4))
print(string.unpack("!4 b i4", string.pack("!4 b i4", 1, 2)))
print(string.unpack("!4 i4", "xabcdefgh", 2), string.unpack("!4 b Xi4 i4", "\1\0\0\0\2\0\0\0"))
print(string.unpack(" < > = ! b", "\9"), string.unpack("s", string.pack("s", "hello")))
print(string.unpack("j", string.pack("j", math.maxinteger)), string.unpack("I8", string.pack("j", -1)))
print(string.unpack("z z", "one\0two\0rest"))
