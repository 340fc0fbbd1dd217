-- %q produces text Lua reads back; here compared byte for byte.
local samples = {'plain', 'tab\there', 'new\nline', 'quote"s', 'back\\slash', '\0\1\2', '\127\200\255', '\r\n', '1\0002'}
for _, s in ipairs(samples) do print(string.format('%q', s)) end
print(string.format('%q', 0), string.format('%q', -1), string.format('%q', 255))
print(string.format('%q', 1.5), string.format('%q', -0.0), string.format('%q', 1e300))
print(string.format('%q', true), string.format('%q', nil))
print(string.format('%q', 0/0) == '(0/0)')
