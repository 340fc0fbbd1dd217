-- Class-style inheritance: base class, subclass, super calls, isinstance.
local Shape = {}
Shape.__index = Shape
function Shape.new(name) return setmetatable({name = name}, Shape) end
function Shape:area() return 0 end
function Shape:describe() return string.format("%s with area %.2f", self.name, self:area()) end

local Rect = setmetatable({}, {__index = Shape})
Rect.__index = Rect
function Rect.new(w, h)
  local self = Shape.new("rect")
  self.w, self.h = w, h
  return setmetatable(self, Rect)
end
function Rect:area() return self.w * self.h end

local Square = setmetatable({}, {__index = Rect})
Square.__index = Square
function Square.new(side)
  local self = Rect.new(side, side)
  self.name = "square"
  return setmetatable(self, Square)
end
function Square:describe() return "[" .. Rect.describe(self) .. "]" end

local Circle = setmetatable({}, {__index = Shape})
Circle.__index = Circle
function Circle.new(r) local self = Shape.new("circle"); self.r = r; return setmetatable(self, Circle) end
function Circle:area() return math.pi * self.r ^ 2 end

local function isinstance(obj, class)
  local mt = getmetatable(obj)
  while mt do
    if mt == class then return true end
    local parent = getmetatable(mt)
    mt = parent and parent.__index
  end
  return false
end

for _, s in ipairs({Shape.new("blob"), Rect.new(2, 3), Square.new(4), Circle.new(1)}) do
  print(s:describe(), isinstance(s, Shape), isinstance(s, Rect), isinstance(s, Square))
end
print(Square.area == Rect.area, rawget(Square, "area"))
