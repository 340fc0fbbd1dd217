-- Validating items with error tables and pcall; collecting every problem instead of stopping.
local function validate(item)
  if type(item.id) ~= "number" then error({field = "id", msg = "must be a number"}) end
  if item.name == nil or item.name == "" then error({field = "name", msg = "is required"}) end
  if item.weeks and item.weeks < 0 then error({field = "weeks", msg = "cannot be negative"}) end
  if item.triage and not (item.triage == 1 or item.triage == 1.5 or item.triage == 2) then
    error(string.format("item %d: triage %s is not 1, 1.5 or 2", item.id, tostring(item.triage)), 0)
  end
  return true
end
local items = {
  {id = 1, name = "ok", weeks = 3, triage = 1},
  {id = "2", name = "string id"},
  {id = 3, name = ""},
  {id = 4, name = "neg", weeks = -1},
  {id = 5, name = "tri", triage = 3},
  {id = 6, name = "fine", triage = 1.5},
}
local problems = 0
for _, item in ipairs(items) do
  local ok, err = pcall(validate, item)
  if ok then
    print(tostring(item.id), "valid")
  else
    problems = problems + 1
    if type(err) == "table" then
      print(tostring(item.id), err.field .. " " .. err.msg)
    else
      print(tostring(item.id), err)
    end
  end
end
print(problems .. " of " .. #items .. " items have problems")
