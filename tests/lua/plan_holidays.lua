-- Working days in a quarter: weekdays from fixed dates minus holidays, counted per month (UTC).
local DAY = 86400
local function utc(y, m, d) return os.time({year = y, month = m, day = d, hour = 12}) end
local holidays = {["2024-07-04"] = "Independence Day", ["2024-09-02"] = "Labor Day"}
local start, finish = utc(2024, 7, 1), utc(2024, 9, 30)
local per_month, total, hit = {}, 0, {}
local t = start
while t <= finish do
  local wday = tonumber(os.date("!%w", t))
  local key = os.date("!%Y-%m-%d", t)
  if wday ~= 0 and wday ~= 6 then
    if holidays[key] then
      hit[#hit + 1] = key .. " " .. holidays[key]
    else
      local month = os.date("!%B", t)
      per_month[month] = (per_month[month] or 0) + 1
      total = total + 1
    end
  end
  t = t + DAY
end
for _, m in ipairs({"July", "August", "September"}) do print(m, per_month[m]) end
print("total", total, string.format("%.1f weeks", total / 5))
for _, h in ipairs(hit) do print("holiday", h) end
