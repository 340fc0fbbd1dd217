-- error() adds the caller's position to string messages.
local ok, err = pcall(error, 'plain')
print(ok, err)
ok, err = pcall(function() error('with position') end)
print(ok, err)
ok, err = pcall(function() error('no position', 0) end)
print(ok, err)
ok, err = pcall(function() error({code = 42}) end)
print(ok, type(err), err.code)
ok, err = pcall(function() local t = setmetatable({}, {__index = function(_, k) error('no field ' .. k) end}); return t.x end)
print(ok, err)
-- An uncaught error ends the script with status 1 and the message on stderr.
error('the end')
