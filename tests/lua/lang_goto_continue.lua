-- goto: the continue idiom, breaking out of nested loops, backward jumps.
local odds = {}
for i = 1, 10 do
  if i % 2 == 0 then goto continue end
  odds[#odds + 1] = i
  ::continue::
end
print(table.concat(odds, ","))

local found
local i = 0
while not found and i < 5 do
  i = i + 1
  local j = 0
  while j < 5 do
    j = j + 1
    if i * j == 12 then found = i .. "x" .. j; goto done end
  end
end
::done::
print(found)

local n = 0
::again::
n = n + 1
if n < 5 then goto again end
print(n)

local words = {"keep", "", "this", "#skip", "and"}
local kept = {}
for _, w in ipairs(words) do
  if w == "" then goto next end
  if w:sub(1, 1) == "#" then goto next end
  kept[#kept + 1] = w
  ::next::
end
print(table.concat(kept, " "))

local i = 1
while true do
  if i > 3 then goto out end
  i = i + 1
end
::out::
print(i)
do
  goto skip
  print("skipped")
  ::skip::
end
print("end")
