-- Tag sets: union, intersection and difference of tags between people and work items.
local function set(list) local s = {} for _, v in ipairs(list) do s[v] = true end return s end
local function items(s) local l = {} for k in pairs(s) do l[#l + 1] = k end table.sort(l) return l end
local function union(a, b) local r = {} for k in pairs(a) do r[k] = true end for k in pairs(b) do r[k] = true end return r end
local function inter(a, b) local r = {} for k in pairs(a) do if b[k] then r[k] = true end end return r end
local function diff(a, b) local r = {} for k in pairs(a) do if not b[k] then r[k] = true end end return r end
local person = set({"Web", "Apps", "track:Discovery"})
local item = set({"Web", "QA", "track:Discovery"})
print(table.concat(items(union(person, item)), " "))
print(table.concat(items(inter(person, item)), " "))
print(table.concat(items(diff(person, item)), " "))
print(table.concat(items(diff(item, person)), " "))
print(#items(set({})), #items(set({"a", "a", "a"})))
local function parse(text) local l = {} for v in text:gmatch("[^,%s]+") do l[#l + 1] = v end return set(l) end
print(table.concat(items(parse(" a, b ,c,,a ")), "|"))
