-- Long strings and comments: levels, a first newline skipped, no escapes inside.
local s = [[
first line
second \n line]]
print(s)
print(#s)
local t = [==[
contains ]] and [[ and ]=] inside]==]
print(t)
print([[]] == "", [[a]] .. [=[b]=])
--[[ a long comment
print("not run")
]]
--[==[ another
]] still comment
]==]
print("after comments") --[[ inline ]] print("same line")
---[[ this line is a normal comment, so the next line runs
print("runs")
--]]
local u = [[
]]
print(#u)
print([[
 indented]])
