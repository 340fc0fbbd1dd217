-- The qplan module package loaded with require: estimates, tags and items.
package.path = "./?.lua;./?/init.lua"
local qplan = require("lib.qplan")
print(qplan.estimate == require("lib.qplan.estimate"), package.loaded["lib.qplan"] == qplan)
local est = qplan.estimate
print(est.weeks("2L"), est.weeks("Q"), est.weeks("4S"), est.weeks("XL"))
local weeks, order, errors = est.parse("Native:2L,Web:M,Web:S,Apps:XL")
print(table.concat(order, ","), weeks.Native, weeks.Web, weeks.Apps, #errors, errors[1])
print(est.format(weeks, order))
local tags = qplan.tags.parse("ProdTriage:2, EngTriage:1.5 ,track:Web")
print(qplan.tags.format(tags), qplan.tags.triage(tags))
local Item = qplan.Item
local a = Item.new("1", "Login", "Native:2L,Web:M", "ProdTriage:1,track:Accounts")
local b = Item.new("1", "Login copy", "Web:S", "")
print(tostring(a), a:total(), a:track(), a.triage, b:track(), b.triage)
print(a == b, a ~= Item.new("2", "x", "", ""))
print(a:set_estimate("QA", "2S") == a, a:total(), table.concat(a.skills, ","))
print(a:set_estimate("QA", "huge"))
