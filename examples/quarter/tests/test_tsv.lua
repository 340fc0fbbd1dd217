-- QPlan's tab-separated format: header, separator, rows; and the plan's
-- own files read and written back byte for byte.

local check = require("tests.lib.check")
local tsv = require("lib.tsv")

local t = check.suite("test_tsv")

t.case("split keeps empty pieces", function()
  check.eq(tsv.split("a\t\tb\t", "\t"), { "a", "", "b", "" })
  check.eq(tsv.split("", ","), { "" })
  check.eq(tsv.split("1,2", ","), { "1", "2" })
end)

t.case("a document has columns, a separator and rows", function()
  local doc = tsv.parse("ID\tName\tTags\n-----\n1\tLogin\ttrack:Core\n2\tSync\n", "x.tsv")
  check.eq(doc.columns, { "ID", "Name", "Tags" })
  check.eq(doc.separator, "-----")
  check.eq(doc.rows, {
    { ID = "1", Name = "Login", Tags = "track:Core" },
    { ID = "2", Name = "Sync", Tags = "" },
  })
  check.eq(doc.lines, { 3, 4 })
end)

t.case("blank lines, CRLF and spaces around fields", function()
  local doc = tsv.parse("ID\tName\r\n------\r\n\r\n 7 \t Search \r\n\n", "x.tsv")
  check.eq(doc.rows, { { ID = "7", Name = "Search" } })
  check.eq(doc.lines, { 4 })
  check.eq(doc.separator, "------")
end)

t.case("errors name the file and line", function()
  check.raises(function() tsv.parse("", "w.tsv") end, "w.tsv:1: missing header line")
  check.raises(function() tsv.parse("ID\tName\n1\tx\n", "w.tsv") end,
    "w.tsv:2: expected the separator line (-----)")
  -- Blank lines and trailing blank fields are no data; a missing column
  -- is named before any row is read.
  local doc = tsv.parse("ID\tName\n-----\n1\tx\t\t \n  \t \n2\ty\n", "w.tsv")
  check.eq(doc.rows, { { ID = "1", Name = "x" }, { ID = "2", Name = "y" } })
  check.eq(doc.lines, { 3, 5 })
  check.raises(function() tsv.parse("ID\tName\n-----\n1\tx\tTags\n", "w.tsv", { "ID", "Tags" }) end,
    "w.tsv:1: missing column Tags")
  check.raises(function() tsv.parse("ID\tName\n-----\n1\tx\n2\ty\tz\n", "w.tsv") end,
    "w.tsv:4: 3 fields, the header has 2")
  check.raises(function() tsv.parse("ID\tID\n-----\n", "w.tsv") end,
    "w.tsv:1: column 'ID' appears twice")
  check.raises(function() tsv.parse("ID\t\tName\n-----\n", "w.tsv") end,
    "w.tsv:1: column 2 has no name")
end)

t.case("a byte order mark before the header is not part of it", function()
  local doc = tsv.parse("\239\187\191ID\tName\n-----\n1\tx\n", "w.tsv")
  check.eq(doc.columns, { "ID", "Name" })
  check.eq(doc.rows, { { ID = "1", Name = "x" } })
end)

t.case("a file lacking a column says which", function()
  local doc = tsv.parse("ID\tName\n-----\n", "people.tsv")
  tsv.require_columns(doc, { "ID", "Name" }, "people.tsv")
  check.raises(function() tsv.require_columns(doc, { "ID", "Skills" }, "people.tsv") end,
    "people.tsv:1: missing column Skills")
  local people = require("lib.people")
  check.raises(function() people.parse("Id\tName\tSkills\tTags\n-----\n1\tA\t\t\n", "p.tsv") end,
    "p.tsv:1: missing column ID")
end)

t.case("a file that cannot be read says so", function()
  -- A folder opens but cannot be read.
  check.raises(function() tsv.read_text("lib") end, "cannot read lib: ")
end)

t.case("format is the inverse of parse", function()
  local text = "ID\tName\tTags\n-----\n1\tLogin\ttrack:Core\n2\tSync\t\n"
  local doc = tsv.parse(text, "x.tsv")
  check.eq(tsv.format(doc.columns, doc.rows, doc.separator), text)
  check.eq(tsv.format({ "A", "B" }, {}), "A\tB\n-----\n")
  check.eq(tsv.format({ "A", "B" }, { { A = "1" }, { A = 2, B = "x" } }),
    "A\tB\n-----\n1\t\n2\tx\n")
end)

t.case("a field cannot hold a tab or a line break", function()
  check.raises(function() tsv.format({ "A" }, { { A = "x\ty" } }) end,
    "row 1, column A: a field cannot hold a tab or a line break")
  check.raises(function() tsv.format({ "A" }, { { A = "ok" }, { A = "x\ny" } }) end, "row 2")
end)

t.case("the plan's files are canonical: read and written back unchanged", function()
  for _, name in ipairs({ "work.tsv", "people.tsv", "plan.tsv" }) do
    local text = tsv.read_text(name)
    local doc = tsv.read(name)
    check.truthy(#doc.rows > 0, name .. " has rows")
    check.eq(tsv.format(doc.columns, doc.rows, doc.separator), text, name)
  end
end)

t.case("the plan's files have QPlan's columns", function()
  check.eq(tsv.read("work.tsv").columns, { "ID", "Name", "Estimate", "Tags" })
  check.eq(tsv.read("people.tsv").columns, { "ID", "Name", "Skills", "Tags" })
  check.eq(tsv.read("plan.tsv").columns,
    { "ID", "Name", "NumWeeks", "TeamID", "Cutline", "WorkItems", "Tags" })
end)

t.case("a missing file is a clear error", function()
  check.raises(function() tsv.read("tests/tmp/missing.tsv") end,
    "cannot read tests/tmp/missing.tsv")
end)

t.done()
