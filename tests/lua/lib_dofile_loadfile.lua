-- dofile and loadfile on the corpus's own modules; loadfile with an environment.
package.path = "./?.lua;./?/init.lua"
local est = dofile("lib/qplan/estimate.lua")
print(type(est), est.weeks("2M"), est.SIZES.Q)
local chunk = assert(loadfile("lib/qplan/tags.lua"))
local tags = chunk()
print(tags.triage(tags.parse("ProdTriage:2,EngTriage:1")))
print(dofile("lib/qplan/estimate.lua") ~= est)
local f, err = loadfile("lib/qplan/missing.lua")
print(f, err ~= nil)
print(pcall(dofile, "lib/qplan/missing.lua") == false)
local env = {}
local counter = assert(loadfile("lib/counter.lua", "t", env))
counter()
counter()
print(env.COUNTER_LOADS, COUNTER_LOADS)
