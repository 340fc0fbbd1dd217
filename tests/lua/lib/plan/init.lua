-- `require "lib.plan"` finds this file through ./?/init.lua.
return {name = "plan package", path = select(2, ...)}
