-- QPlan's text format: tab-separated, one header line, one separator line
-- (`-----`), then one row per line. Rows are tables from column name to
-- field text; fields are trimmed, missing trailing fields are "".
-- `text_problem` says what text a command may store in a field, and
-- `escaped` shows any text on a terminal.

local M = {}

M.SEPARATOR = "-----"

-- Splits `text` at every plain `sep`, keeping empty pieces.
function M.split(text, sep)
  local pieces, start = {}, 1
  while true do
    local at = text:find(sep, start, true)
    if not at then
      pieces[#pieces + 1] = text:sub(start)
      return pieces
    end
    pieces[#pieces + 1] = text:sub(start, at - 1)
    start = at + #sep
  end
end

function M.trim(text)
  return (text:match("^%s*(.-)%s*$"))
end

-- Control characters: C0 and DEL, and C1 (U+0080-U+009F) as UTF-8
-- writes them (in valid UTF-8, 0xC2 is always a first byte).
local C0 = "[\0-\31\127]"
local C1 = "\194[\128-\159]"

-- What keeps `text` (a name, a tag, a skill) out of the plan, for
-- "cannot hold ..." messages, or nil if nothing does. Text must be UTF-8
-- (the views would show U+FFFD where the file keeps the byte) without
-- control characters: a tab or a line break would split a row, and an
-- escape sequence would act on the terminal of whoever lists the plan.
function M.text_problem(text)
  local valid, at = utf8.len(text)
  if not valid then
    return string.format("invalid UTF-8 (at byte %d)", at)
  end
  if text:find("[\t\r\n]") then
    return "a tab or a line break"
  end
  local control = text:match(C0) or text:match(C1)
  if control then
    return string.format("a control character (U+%04X)", utf8.codepoint(control))
  end
  return nil
end

local ESCAPES = { ["\t"] = "\\t", ["\r"] = "\\r", ["\n"] = "\\n" }
local function escape(control)
  return ESCAPES[control] or string.format("\\u{%X}", utf8.codepoint(control))
end

-- `text` for a terminal: control characters and bytes that are not UTF-8
-- written as Lua escapes (`\t`, `\u{1B}`, `\xFF`), so that text loaded
-- from a file, or quoted in an error, is shown without acting on the
-- terminal. Other text is returned as it is (a number as its text).
function M.escaped(text)
  text = tostring(text)
  if not text:find("[\0-\31\127-\255]") then
    return text
  end
  local out, at = {}, 1
  while at <= #text do
    local valid, bad = utf8.len(text, at)
    local stop = valid and #text or bad - 1
    out[#out + 1] = text:sub(at, stop):gsub(C0, escape):gsub(C1, escape)
    if not valid then
      out[#out + 1] = string.format("\\x%02X", text:byte(bad))
    end
    at = stop + 2
  end
  return table.concat(out)
end

-- Parses the text of a file named `name` (used in messages as
-- `name:line:`), whose header must hold the columns listed in `required`
-- (if given). Returns a document: { columns = {...}, separator = "-----",
-- rows = { {Column = "text", ...}, ... }, lines = {line number per row} }.
-- Lines of blanks are skipped; blank fields past the last column (trailing
-- tabs, as spreadsheets export them) are dropped.
function M.parse(text, name, required)
  name = name or "tsv"
  -- A byte order mark (spreadsheets export one) is not part of the header.
  if text:sub(1, 3) == "\239\187\191" then
    text = text:sub(4)
  end
  local lines = M.split(text, "\n")
  for i, line in ipairs(lines) do
    lines[i] = line:gsub("\r$", "")
  end
  if lines[1] == nil or M.trim(lines[1]) == "" then
    error(name .. ":1: missing header line", 0)
  end
  local columns, seen = {}, {}
  for i, column in ipairs(M.split(lines[1], "\t")) do
    column = M.trim(column)
    if column == "" then
      error(name .. ":1: column " .. i .. " has no name", 0)
    end
    if seen[column] then
      error(name .. ":1: column '" .. M.escaped(column) .. "' appears twice", 0)
    end
    seen[column] = true
    columns[i] = column
  end
  if required then
    M.require_columns({ columns = columns }, required, name)
  end
  local separator = lines[2] and M.trim(lines[2]) or ""
  if not separator:match("^%-%-%-+$") then
    error(name .. ":2: expected the separator line (" .. M.SEPARATOR .. ")", 0)
  end
  local doc = { columns = columns, separator = separator, rows = {}, lines = {} }
  for number = 3, #lines do
    local line = lines[number]
    if M.trim(line) ~= "" then
      local fields = M.split(line, "\t")
      while #fields > #columns and M.trim(fields[#fields]) == "" do
        fields[#fields] = nil
      end
      if #fields > #columns then
        error(string.format("%s:%d: %d fields, the header has %d", name, number, #fields,
          #columns), 0)
      end
      local row = {}
      for i, column in ipairs(columns) do
        row[column] = M.trim(fields[i] or "")
      end
      doc.rows[#doc.rows + 1] = row
      doc.lines[#doc.lines + 1] = number
    end
  end
  return doc
end

-- Raises an error naming the first of `columns` that `doc`, parsed from
-- the file named `name`, lacks.
function M.require_columns(doc, columns, name)
  local have = {}
  for _, column in ipairs(doc.columns) do
    have[column] = true
  end
  for _, column in ipairs(columns) do
    if not have[column] then
      error(name .. ":1: missing column " .. column, 0)
    end
  end
end

-- Formats rows under `columns`; the inverse of `parse` for trimmed fields.
-- `name` (the file's) labels an error.
function M.format(columns, rows, separator, name)
  local out = { table.concat(columns, "\t"), separator or M.SEPARATOR }
  for r, row in ipairs(rows) do
    local fields = {}
    for i, column in ipairs(columns) do
      local value = row[column]
      if value == nil then
        value = ""
      elseif type(value) ~= "string" then
        value = tostring(value)
      end
      if value:find("[\t\r\n]") then
        local id = row.ID and " (ID " .. tostring(row.ID) .. ")" or ""
        error(string.format("%srow %d%s, column %s: a field cannot hold a tab or a line break",
          name and name .. ": " or "", r, id, column), 0)
      end
      fields[i] = value
    end
    out[#out + 1] = table.concat(fields, "\t")
  end
  return table.concat(out, "\n") .. "\n"
end

-- The whole text of `path`; an error naming the file if it cannot be read.
function M.read_text(path)
  local file, problem = io.open(path, "rb")
  if not file then
    error("cannot read " .. path .. ": " .. tostring(problem), 0)
  end
  local text, failed = file:read("a")
  file:close()
  if not text then
    error("cannot read " .. path .. ": " .. tostring(failed), 0)
  end
  return text
end

function M.read(path)
  return M.parse(M.read_text(path), path)
end

return M
