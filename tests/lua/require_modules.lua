-- require: package.path, dotted names, init.lua, caching, preload.
package.path = "./?.lua;./?/init.lua"
package.cpath = ""
local est = require("lib.plan.estimates")
print(est.loaded_as, est.weeks("2L"), est.weeks("M"), est.weeks("Q"), est.weeks("XL"))
print(require("lib.plan.estimates") == est, package.loaded["lib.plan.estimates"] == est)
local plan = require("lib.plan")
print(plan.name, plan.path)
print(require("lib.counter"), require("lib.counter"), COUNTER_LOADS)
package.preload["virtual.mod"] = function(name, extra) return {name = name, extra = extra} end
local v = require("virtual.mod")
print(v.name, v.extra)
local ok, err = pcall(require, "missing.thing")
print(ok, (err:match("^[^\n]*")))
print(err:match("no field package.preload%['missing.thing'%]") ~= nil, err:match("no file './missing/thing.lua'") ~= nil)
print(pcall(require))
print(type(package.loaded.string), package.loaded._G == _G, package.config:sub(1, 1))
print(package.searchpath("lib.plan.estimates", package.path))
print(package.searchpath("nope", "./?.lua;./?.luac"))
