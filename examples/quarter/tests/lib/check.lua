-- A tiny assertion helper for the plan's tests.
--
--   local check = require("tests.lib.check")
--   local t = check.suite("test_plan")
--   t.case("feasible line", function()
--     check.eq(plan:feasible(), 32)
--   end)
--   t.done()   -- prints "test_plan: 14 passed", or fails the script
--
-- A failed assertion names the test's own file and line (each assertion
-- raises with `return error(message, 2)`, a tail call, so the position is
-- the caller's on Lua 5.4 and on planhost alike). Failures are printed to
-- stderr as they happen; `done` then raises, so the script exits non-zero.

local check = {}

local function show(value)
  if type(value) == "string" then
    return string.format("%q", value)
  end
  return tostring(value)
end

-- Where `a` and `b` differ ("" for the value itself), or nil if equal.
local function difference(a, b, path)
  if type(a) ~= "table" or type(b) ~= "table" then
    if a == b and math.type(a) == math.type(b) then
      return nil
    end
    if a == b then
      return path, "expected " .. math.type(b) .. " " .. show(b) .. ", got " .. math.type(a)
        .. " " .. show(a)
    end
    return path, "expected " .. show(b) .. ", got " .. show(a)
  end
  local keys = {}
  for key in pairs(b) do
    keys[#keys + 1] = key
  end
  for key in pairs(a) do
    if b[key] == nil then
      keys[#keys + 1] = key
    end
  end
  table.sort(keys, function(x, y)
    if type(x) == type(y) and (type(x) == "number" or type(x) == "string") then
      return x < y
    end
    return type(x) < type(y)
  end)
  for _, key in ipairs(keys) do
    local step = type(key) == "string" and ("." .. key) or ("[" .. tostring(key) .. "]")
    local where, what = difference(a[key], b[key], path .. step)
    if where then
      return where, what
    end
  end
  return nil
end

-- Deep equality; integers and floats must match in kind too (13 ~= 13.0
-- here, since JSON and the renderers see the difference).
function check.eq(actual, expected, label)
  local where, what = difference(actual, expected, "")
  if where then
    local prefix = label and (label .. ": ") or ""
    if where ~= "" then
      prefix = prefix .. "at " .. where .. ": "
    end
    return error(prefix .. what, 2)
  end
end

function check.near(actual, expected, tolerance, label)
  tolerance = tolerance or 1e-9
  if type(actual) ~= "number" or math.abs(actual - expected) > tolerance then
    return error((label and (label .. ": ") or "") .. "expected " .. show(expected)
      .. " (within " .. tolerance .. "), got " .. show(actual), 2)
  end
end

function check.truthy(value, label)
  if not value then
    return error((label or "expected a true value") .. ", got " .. show(value), 2)
  end
end

-- Calls `fn` and expects an error whose message contains `expected`
-- (plain text); returns the message.
function check.raises(fn, expected, label)
  local ok, message = pcall(fn)
  if ok then
    return error((label and (label .. ": ") or "") .. "expected an error containing "
      .. show(expected) .. ", got none", 2)
  end
  message = tostring(message)
  if expected and not message:find(expected, 1, true) then
    return error((label and (label .. ": ") or "") .. "expected an error containing "
      .. show(expected) .. ", got " .. show(message), 2)
  end
  return message
end

-- A named set of cases.
-- A generator of whole numbers, `random(n)` in 1..n, the same sequence
-- for the same seed under every interpreter (random edits for property
-- tests).
function check.seeded(seed)
  return function(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n + 1
  end
end

function check.suite(name)
  local suite = { passed = 0, failed = 0 }

  function suite.case(title, fn)
    local ok, message = pcall(fn)
    if ok then
      suite.passed = suite.passed + 1
    else
      suite.failed = suite.failed + 1
      io.stderr:write(string.format("FAIL %s: %s: %s\n", name, title, tostring(message)))
    end
  end

  function suite.done()
    if suite.failed > 0 then
      error(string.format("%s: %d failed, %d passed", name, suite.failed, suite.passed), 0)
    end
    print(string.format("%s: %d passed", name, suite.passed))
  end

  return suite
end

-- Test scratch space: copies of the plan's files in `dir` (an existing
-- folder under tests/tmp), and removal of everything a test wrote there.
check.FILES = { "work.tsv", "people.tsv", "plan.tsv" }

function check.read(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("a")
  file:close()
  return text
end

function check.write(path, text)
  local file = assert(io.open(path, "wb"))
  file:write(text)
  file:close()
end

function check.exists(path)
  local file = io.open(path, "rb")
  if file then
    file:close()
    return true
  end
  return false
end

function check.copy_plan(dir)
  check.clean(dir)
  for _, name in ipairs(check.FILES) do
    check.write(dir .. "/" .. name, check.read(name))
  end
end

function check.clean(dir)
  for _, name in ipairs(check.FILES) do
    for _, suffix in ipairs({ "", ".bak", ".tmp" }) do
      os.remove(dir .. "/" .. name .. suffix)
    end
  end
end

return check
