-- Numeric for: float steps, negative steps, empty ranges, integer vs float loop variables.
local function run(a, b, c)
  local out = {}
  if c then
    for i = a, b, c do out[#out + 1] = tostring(i) end
  else
    for i = a, b do out[#out + 1] = tostring(i) end
  end
  return table.concat(out, " ")
end
print(run(1, 5))
print(run(5, 1, -1))
print(run(10, 1, -3))
print(run(0, 1, 0.25))
print(run(1, 2, 0.5))
print(run(1.0, 3))
print(run(3, 1))
print("[" .. run(1, 0) .. "]")
print(run(1, 0.5, -0.25))
print(run(math.mininteger + 1, math.mininteger + 3))
print(run(-3, 3, 2))
local count = 0
for i = 0, 1, 0.1 do count = count + 1 end
print(count)
