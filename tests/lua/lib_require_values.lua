-- require: modules returning nothing store true, returning false, caching in package.loaded, reloading.
package.path = "./?.lua;./?/init.lua"
package.preload["mod.nothing"] = function() end
package.preload["mod.falsy"] = function() return false end
local loads = 0
package.preload["mod.counted"] = function(name) loads = loads + 1; return {name = name, n = loads} end
print(require("mod.nothing"), package.loaded["mod.nothing"])
print(require("mod.falsy"), package.loaded["mod.falsy"])
local a = require("mod.counted")
local b = require("mod.counted")
print(a == b, loads, a.name)
package.loaded["mod.counted"] = nil
local c = require("mod.counted")
print(a == c, loads, c.n)
package.loaded["mod.injected"] = {injected = true}
print(require("mod.injected").injected)
local est = require("lib.qplan.estimate")
print(est.weeks("L"), require("lib.qplan").estimate == est)
