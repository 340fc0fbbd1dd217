-- An Item class with an Epic subclass: constructors, __tostring, __eq, __len, overriding and super calls.
local Item = {}
Item.__index = Item
Item.__tostring = function(self) return self:label() end
Item.__eq = function(a, b) return a.id == b.id end
Item.__len = function(self) return self:weeks() end
function Item.new(id, name, weeks) return setmetatable({id = id, name = name, w = weeks}, Item) end
function Item:weeks() return self.w end
function Item:label() return string.format("#%d %s (%gw)", self.id, self.name, self:weeks()) end

local Epic = setmetatable({}, {__index = Item})
Epic.__index = Epic
Epic.__tostring = Item.__tostring
Epic.__eq = Item.__eq
Epic.__len = Item.__len
function Epic.new(id, name, children)
  local self = Item.new(id, name, 0)
  self.children = children
  return setmetatable(self, Epic)
end
function Epic:weeks()
  local sum = 0
  for _, c in ipairs(self.children) do sum = sum + c:weeks() end
  return sum
end
function Epic:label() return Item.label(self) .. " [" .. #self.children .. " items]" end

local a, b = Item.new(1, "Login", 6), Item.new(2, "Signup", 2.5)
local e = Epic.new(10, "Accounts", {a, b, Item.new(3, "Reset", 1)})
print(tostring(a), tostring(b))
print(tostring(e))
print(#a, #e, e:weeks())
print(a == Item.new(1, "Other name", 0), a == b, e == Epic.new(10, "x", {}))
print(getmetatable(e) == Epic, getmetatable(a) == Item, e.label ~= a.label)
local all = {e, a, b}
table.sort(all, function(x, y) return x:weeks() < y:weeks() end)
for _, it in ipairs(all) do io.write(it.name, " ") end
print()
