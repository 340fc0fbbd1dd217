-- String comparison is byte-wise: case, prefixes, digits, and sorting names.
print("a" < "b", "B" < "a", "abc" < "abd", "ab" < "abc", "" < " ", "10" < "9", "Z" < "z")
print("a" == "a", "a" ~= "A", "x" <= "x", "y" >= "x", "\0" < "\1", "a\0b" < "a\0c")
local names = {"bob", "Alice", "carol", "Dave", "alice", "Bob", "10", "9", "_x"}
table.sort(names)
print(table.concat(names, " "))
table.sort(names, function(a, b)
  local la, lb = a:lower(), b:lower()
  if la ~= lb then return la < lb end
  return a < b
end)
print(table.concat(names, " "))
local versions = {"1.10", "1.9", "1.2", "2.0"}
table.sort(versions, function(a, b)
  local a1, a2 = a:match("(%d+)%.(%d+)")
  local b1, b2 = b:match("(%d+)%.(%d+)")
  a1, a2, b1, b2 = tonumber(a1), tonumber(a2), tonumber(b1), tonumber(b2)
  if a1 ~= b1 then return a1 < b1 end
  return a2 < b2
end)
print(table.concat(versions, " "))
print(math.max(3, 7), ("b"):rep(2) > "ba")
