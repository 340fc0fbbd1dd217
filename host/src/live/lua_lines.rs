//! A quick look at Lua source fed line by line: whether the lines so far
//! can be a whole chunk yet, i.e. every block, bracket, long string and
//! long comment opened in them is closed. Piped input asks this before
//! sending a chunk to be compiled, so that a long chunk (a pasted table of
//! thousands of lines) is not compiled again after each of its lines.
//!
//! It only tokenises (strings, comments, brackets, the keywords that open
//! and close blocks); the compiler has the last word. Valid Lua is never
//! taken for unfinished; anything it cannot place counts as possibly
//! complete, so that the compiler sees it.

/// Where the scan of the lines so far stands.
#[derive(Debug, Default)]
pub struct LuaLines {
    /// Blocks (`function`, `do`, `if`, `repeat`) and brackets open.
    open: u64,
    /// Inside a token that goes on to the next line.
    within: Within,
    /// More was closed than opened: an error the compiler reports.
    broken: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Within {
    #[default]
    Code,
    /// A long string or comment of this level (`[==[` is 2).
    Long(usize),
}

impl LuaLines {
    pub fn new() -> LuaLines {
        LuaLines::default()
    }

    /// Whether the lines fed so far may be a whole chunk.
    pub fn may_be_complete(&self) -> bool {
        self.broken || (self.open == 0 && self.within == Within::Code)
    }

    /// Takes the next line (without its line end).
    pub fn feed(&mut self, line: &str) {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() && !self.broken {
            i = match self.within {
                Within::Code => self.code(bytes, i),
                Within::Long(level) => match long_close(bytes, i, level) {
                    Some(end) => {
                        self.within = Within::Code;
                        end
                    }
                    None => bytes.len(),
                },
            };
        }
    }

    /// Scans code from `i`; returns where to go on.
    fn code(&mut self, bytes: &[u8], i: usize) -> usize {
        let b = bytes[i];
        match b {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                if let Some((level, start)) = long_open(bytes, i + 2) {
                    self.within = Within::Long(level);
                    start
                } else {
                    bytes.len()
                }
            }
            b'[' => match long_open(bytes, i) {
                Some((level, start)) => {
                    self.within = Within::Long(level);
                    start
                }
                None => {
                    self.open += 1;
                    i + 1
                }
            },
            b'(' | b'{' => {
                self.open += 1;
                i + 1
            }
            b')' | b'}' | b']' => {
                self.close();
                i + 1
            }
            b'"' | b'\'' => self.quoted(bytes, i + 1, b),
            b'0'..=b'9' => numeral_end(bytes, i),
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => numeral_end(bytes, i),
            b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let mut j = i + 1;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                match &bytes[i..j] {
                    b"function" | b"do" | b"if" | b"repeat" => self.open += 1,
                    b"end" | b"until" => self.close(),
                    _ => {}
                }
                j
            }
            _ => i + 1,
        }
    }

    /// Scans a quoted string's body from `i`; returns where to go on. One
    /// the line ends in (unfinished, or going on after `\` or `\z`) is for
    /// the compiler to judge, as the `lua` prompt does line by line.
    fn quoted(&mut self, bytes: &[u8], mut i: usize, quote: u8) -> usize {
        while i < bytes.len() {
            match bytes[i] {
                b if b == quote => return i + 1,
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        self.broken = true;
        bytes.len()
    }

    fn close(&mut self) {
        match self.open.checked_sub(1) {
            Some(open) => self.open = open,
            None => self.broken = true,
        }
    }
}

/// Where the numeral starting at `i` ends, read as piccolo's lexer reads
/// it: decimal digits and a point then an exponent (`e`, a sign, digits),
/// or `0x`, hex digits and a point then a binary exponent (`p`, a sign,
/// digits). What follows is another token (`1until` is `1` and `until`).
fn numeral_end(bytes: &[u8], i: usize) -> usize {
    let hex = bytes[i] == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X'));
    let mut j = if hex { i + 2 } else { i };
    let digit = |b: u8| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() };
    while j < bytes.len() && (digit(bytes[j]) || bytes[j] == b'.') {
        j += 1;
    }
    let exponent: &[u8] = if hex { b"pP" } else { b"eE" };
    if j < bytes.len() && exponent.contains(&bytes[j]) {
        j += 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
    }
    j
}

/// A long bracket opening at `i` (`[`, any `=`, `[`): its level and where
/// its contents start.
fn long_open(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    let level = bytes[i + 1..].iter().take_while(|&&b| b == b'=').count();
    (bytes.get(i + 1 + level) == Some(&b'[')).then_some((level, i + 2 + level))
}

/// Where the long bracket of `level` closing at or after `i` ends.
fn long_close(bytes: &[u8], mut i: usize, level: usize) -> Option<usize> {
    while let Some(at) = bytes[i..].iter().position(|&b| b == b']') {
        let start = i + at + 1;
        let equals = bytes[start..].iter().take_while(|&&b| b == b'=').count();
        if equals == level && bytes.get(start + equals) == Some(&b']') {
            return Some(start + equals + 1);
        }
        i = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the scanner takes each prefix of `source`'s lines for
    /// possibly complete.
    fn verdicts(source: &str) -> Vec<bool> {
        let mut lines = LuaLines::new();
        source
            .split('\n')
            .map(|line| {
                lines.feed(line);
                lines.may_be_complete()
            })
            .collect()
    }

    #[test]
    fn blocks_and_brackets_stay_open_until_closed() {
        assert_eq!(verdicts("for i = 1, 3 do\n  print(i)\nend"), [false, false, true]);
        assert_eq!(verdicts("t = {\n  a = 1,\n  b = { 2 },\n}"), [false, false, false, true]);
        assert_eq!(verdicts("if x then\nelseif y then\nelse\nend"), [false, false, false, true]);
        assert_eq!(verdicts("while x do\nend"), [false, true]);
        assert_eq!(verdicts("repeat\n x = x + 1\nuntil x > 3"), [false, false, true]);
        assert_eq!(
            verdicts("local function f(a,\n b)\n return a[\n1] end"),
            [false, false, false, true]
        );
        assert_eq!(verdicts("f(function() end,\n 2)"), [false, true]);
        // Names holding keywords are names.
        assert_eq!(verdicts("endless, dothis, iffy, functions = 1"), [true]);
    }

    #[test]
    fn strings_and_comments_hide_what_they_hold() {
        assert_eq!(verdicts("s = 'do (' .. \"if {\" -- function ("), [true]);
        assert_eq!(verdicts("s = [[\nend ) do\n]] print(s)"), [false, false, true]);
        assert_eq!(verdicts("s = [==[\n]] ]=]\n]==]"), [false, false, true]);
        assert_eq!(verdicts("--[[ do\n( ]] x = 1"), [false, true]);
        assert_eq!(verdicts("--[=[\n]=]"), [false, true]);
        assert_eq!(verdicts("-- [[ a line comment\nx = 1"), [true, true]);
        assert_eq!(verdicts("s = 'a\\'b(' t = \"\\\"\""), [true]);
        // A quoted string the line ends in, even one `\` or `\z` carries on,
        // is for the compiler to judge (which refuses it, as Lua's prompt).
        assert_eq!(verdicts("s = 'one\\\ntwo ('"), [true, true]);
        assert_eq!(verdicts("s = 'one \\z\n\n   two'"), [true, true, true]);
        // Indexing with a long string.
        assert_eq!(verdicts("t[ [[k]] ] = 1"), [true]);
    }

    #[test]
    fn numerals_are_not_names_and_end_where_the_lexer_ends_them() {
        assert_eq!(verdicts("x = 0x1p-4 + 1e+5 + .5e-1 + 3 + 0xA.8P2"), [true]);
        // `1until` is a numeral and a keyword; a hex numeral's `E` is a
        // digit and `-` after it a minus (here starting a comment).
        assert_eq!(verdicts("repeat\n n = 1until true"), [false, true]);
        assert_eq!(verdicts("x = 0xE-- ("), [true]);
    }

    #[test]
    fn what_the_compiler_must_judge_counts_as_complete() {
        // Unfinished quoted string, too many closings: errors, reported
        // by the compiler.
        assert_eq!(verdicts("s = 'abc\nx = 1"), [true, true]);
        assert_eq!(verdicts("x = 1 end\nif y then"), [true, true]);
        assert_eq!(verdicts("print(1))\n(("), [true, true]);
        // Unfinished expressions are for the compiler to find.
        assert_eq!(verdicts("x = 1 +"), [true]);
    }

    /// The scanner against the compiler, over every Lua file of the test
    /// corpus and the example plan, line by line: a prefix the scanner
    /// takes for unfinished never compiles, as statements or as an
    /// expression (the console tries both).
    #[test]
    fn a_prefix_taken_for_unfinished_never_compiles() {
        use crate::lua::frontend::compile;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["tests/lua", "examples/quarter/lib", "examples/quarter/tests"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "lua") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 200, "the corpus is there: {} files", files.len());
        let mut checked = 0;
        for path in files {
            let source = std::fs::read_to_string(&path).unwrap();
            let mut lines = LuaLines::new();
            let mut prefix = String::new();
            for line in source.lines() {
                prefix.push_str(line);
                prefix.push('\n');
                lines.feed(line);
                if !lines.may_be_complete() {
                    checked += 1;
                    let expression = format!("return {prefix}");
                    assert!(
                        compile("t", prefix.as_bytes()).is_err()
                            && compile("t", expression.as_bytes()).is_err(),
                        "{}: taken for unfinished, but compiles:\n{prefix}",
                        path.display()
                    );
                }
            }
        }
        assert!(checked > 1000, "{checked} prefixes checked");
    }
}
