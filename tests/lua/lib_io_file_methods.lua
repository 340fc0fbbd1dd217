-- File handles: write, seek, read formats ("n", "l", "L", counts), io.type, closing twice.
local path = "data/tmp_file_methods.txt"
local f = assert(io.open(path, "w"))
print(io.type(f), io.type(42), io.type(io.stdout))
f:write("12 3.5 0x10\n", "second line\n", "third")
f:close()
print(io.type(f))
print(pcall(f.write, f, "x") == false)
f = assert(io.open(path, "r"))
print(f:read("n", "n", "n"))
print(f:read("l"))
print(f:read("L"))
print(f:read("a"))
print(f:read("a"), f:read("l"), f:read(0))
print(f:seek("set", 3), f:read(4))
print(f:seek("cur"), f:seek("end"))
print(f:seek("set"), f:read(2), f:read(0))
f:close()
local lines = {}
for a, b in io.lines(path, 2, "l") do lines[#lines + 1] = a .. "|" .. tostring(b) end
print(table.concat(lines, " / "))
print(os.remove(path))
print(io.open("data/tmp_missing_file.txt") == nil, select(3, io.open("data/tmp_missing_file.txt")))
