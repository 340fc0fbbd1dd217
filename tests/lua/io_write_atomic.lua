-- Writing a plan file atomically: write everything to a temporary file,
-- close it, then rename it over the real name; read it back.
local target = 'data/tmp_atomic_plan.tsv'
local temporary = target .. '.tmp'

local function save(rows)
  local f = assert(io.open(temporary, 'w'))
  assert(f:write('ID\tTitle\tWeeks\n', '-----\n') == f)
  for _, row in ipairs(rows) do
    f:write(row.id, '\t', row.title, '\t', row.weeks, '\n')
  end
  assert(f:close())
  assert(os.rename(temporary, target))
end

save({
  { id = 'ID-1', title = 'Login screen', weeks = 2.5 },
  { id = 'ID-2', title = 'Search', weeks = 3 },
  { id = 'ID-3', title = 'Sync', weeks = 8.0 },
})
print(io.open(temporary), '(the temporary file is gone)')

local f = assert(io.open(target))
local whole = f:read('a')
f:close()
io.write(whole)
print(#whole .. ' bytes')

-- A second save replaces the first in one step.
save({ { id = 'ID-9', title = 'Replacement', weeks = 1 } })
for line in io.lines(target) do print('[' .. line .. ']') end

-- Appending keeps what is there.
local log = assert(io.open(target, 'a'))
log:write('ID-10\tAppended\t', 0.25, '\n')
log:close()
local count = 0
for _ in io.lines(target) do count = count + 1 end
print(count .. ' lines after appending')

print(os.remove(target))
print(os.remove(target))
