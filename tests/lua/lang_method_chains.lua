-- Method chains: a builder whose methods return self, and a fluent query over work items.
local Query = {}
Query.__index = Query
function Query.from(list) return setmetatable({list = list, filters = {}, order = nil, max = nil}, Query) end
function Query:where(f) self.filters[#self.filters + 1] = f; return self end
function Query:order_by(key, desc) self.order = {key = key, desc = desc}; return self end
function Query:limit(n) self.max = n; return self end
function Query:run()
  local out = {}
  for _, v in ipairs(self.list) do
    local keep = true
    for _, f in ipairs(self.filters) do if not f(v) then keep = false; break end end
    if keep then out[#out + 1] = v end
  end
  if self.order then
    local k, desc = self.order.key, self.order.desc
    table.sort(out, function(a, b) if desc then return a[k] > b[k] end return a[k] < b[k] end)
  end
  if self.max then for i = #out, self.max + 1, -1 do out[i] = nil end end
  return out
end
local work = {
  {name = "Sync", weeks = 13, track = "Platform"}, {name = "Login", weeks = 8, track = "Accounts"},
  {name = "Billing", weeks = 7, track = "Accounts"}, {name = "Audit", weeks = 2, track = "Platform"},
  {name = "Search", weeks = 7.5, track = "Discovery"},
}
local result = Query.from(work):where(function(w) return w.weeks > 2 end):order_by("weeks", true):limit(3):run()
for _, w in ipairs(result) do print(w.name, w.weeks) end
local accounts = Query.from(work):where(function(w) return w.track == "Accounts" end):order_by("name"):run()
for _, w in ipairs(accounts) do print(w.name) end
local sb = {parts = {}}
function sb:add(s) self.parts[#self.parts + 1] = s; return self end
function sb:build(sep) return table.concat(self.parts, sep) end
print(sb:add("a"):add("b"):add(3):build("-"))
print(("  Mixed Case  "):gsub("^%s+", ""):lower())
