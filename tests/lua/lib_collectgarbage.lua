-- collectgarbage("count") gives a float number of kilobytes; weak tables keep their __mode.
print(type(collectgarbage("count")), math.type(collectgarbage("count")))
print(collectgarbage("count") > 0)
local before = collectgarbage("count")
local big = {}
for i = 1, 10000 do big[i] = {i} end
print(collectgarbage("count") > before)
local weak = setmetatable({}, {__mode = "k"})
print(getmetatable(weak).__mode)
