-- Data structures from tables: a double-ended queue, a linked list, a set with counts.
local Deque = {}
Deque.__index = Deque
function Deque.new() return setmetatable({first = 0, last = -1}, Deque) end
function Deque:push_front(v) self.first = self.first - 1; self[self.first] = v end
function Deque:push_back(v) self.last = self.last + 1; self[self.last] = v end
function Deque:pop_front()
  if self.first > self.last then return nil end
  local v = self[self.first]; self[self.first] = nil; self.first = self.first + 1; return v
end
function Deque:pop_back()
  if self.first > self.last then return nil end
  local v = self[self.last]; self[self.last] = nil; self.last = self.last - 1; return v
end
function Deque:size() return self.last - self.first + 1 end
local d = Deque.new()
d:push_back(1); d:push_back(2); d:push_front(0); d:push_front(-1)
print(d:size(), d:pop_front(), d:pop_back(), d:pop_front(), d:pop_back(), d:pop_back(), d:size())
local list = nil
for i = 1, 5 do list = {value = i, next = list} end
local vals = {}
local node = list
while node do vals[#vals + 1] = node.value; node = node.next end
print(table.concat(vals, "->"))
local function reverse(l)
  local prev = nil
  while l do l.next, prev, l = prev, l, l.next end
  return prev
end
vals = {}
node = reverse(list)
while node do vals[#vals + 1] = node.value; node = node.next end
print(table.concat(vals, "->"))
local bag = {}
for w in ("a b a c b a"):gmatch("%a") do bag[w] = (bag[w] or 0) + 1 end
print(bag.a, bag.b, bag.c, bag.d)
