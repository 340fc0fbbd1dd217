-- A script sees its arguments as ... and in arg.
print(select('#', ...), ...)
print(arg[0], arg[1], arg[2], #arg)
local first, second = ...
print(first, second)
