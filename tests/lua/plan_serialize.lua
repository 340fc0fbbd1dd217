-- Serialising a plan table to Lua source with sorted keys, and loading it back.
local function serialize(v, indent)
  indent = indent or ""
  local t = type(v)
  if t == "string" then return string.format("%q", v)
  elseif t == "number" then return string.format("%q", v)
  elseif t == "boolean" or t == "nil" then return tostring(v)
  elseif t == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if type(a) == type(b) then return a < b end
      return type(a) == "number"
    end)
    local inner = indent .. "  "
    local parts = {}
    for _, k in ipairs(keys) do
      local key = type(k) == "string" and k:match("^[%a_][%w_]*$") and k or "[" .. serialize(k) .. "]"
      parts[#parts + 1] = inner .. key .. " = " .. serialize(v[k], inner)
    end
    if #parts == 0 then return "{}" end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
  end
  error("cannot serialise a " .. t, 0)
end
local plan = {
  name = "Q3 plan", weeks = 13, cutline = 6, ratio = 0.75,
  ranks = {3, 1, 6},
  estimates = {Native = 13, Web = 2.5, ["with space"] = 1},
  done = false,
}
local text = serialize(plan)
print(text)
local back = load("return " .. text)()
print(back.name, back.weeks, math.type(back.weeks), back.ratio, back.ranks[2], back.estimates["with space"], back.done)
print(serialize(back) == text)
print(pcall(serialize, {f = print}))
