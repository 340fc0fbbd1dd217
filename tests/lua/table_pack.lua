-- table.pack: arguments into a table with their count in n.
local p = table.pack()
print(p.n, #p)
p = table.pack(1, 2, 3)
print(p.n, p[1], p[2], p[3])
p = table.pack(nil, nil)
print(p.n, p[1], p[2])
p = table.pack("a", nil, "c", nil)
print(p.n, p[1], p[2], p[3], p[4])

-- pack and unpack round-trip, holes included, using n.
local function roundtrip(...)
  local packed = table.pack(...)
  return table.unpack(packed, 1, packed.n)
end
print(roundtrip(1, nil, 3, nil))
print(select("#", roundtrip(1, nil, 3, nil)))
print(select("#", roundtrip()))

-- Varargs forwarding in a plan helper.
local function log_call(name, ...)
  local args = table.pack(...)
  local parts = {}
  for i = 1, args.n do parts[i] = tostring(args[i]) end
  print(name .. "(" .. table.concat(parts, ", ") .. ")")
end
log_call("assign", "alice", 3, nil, true)
log_call("noop")

-- Many values.
local many = table.pack(string.byte(string.rep("x", 300), 1, 300))
print(many.n, many[1], many[300])
