//! Lua 5.4 local attributes, `local x <const> = 1` and `local f <close> = h`,
//! which piccolo 0.3.3's parser rejects. A light scan of the source finds
//! them (skipping strings and comments), blanks them out so every line
//! keeps its number, and reports which local got which attribute.

/// An attribute on a local variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    Const,
    Close,
}

/// One attributed local: its name and the (0-based) line of its `local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    pub line: u64,
    pub name: Vec<u8>,
    pub attribute: Attribute,
}

/// An attribute Lua would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeError {
    pub line: u64,
    pub message: String,
}

/// Returns the source without attributes, and the attributes found.
pub fn strip(source: &[u8]) -> Result<(Vec<u8>, Vec<Attributed>), AttributeError> {
    let mut scanner = Scanner { src: source.to_vec(), pos: 0, line: 0, found: Vec::new() };
    scanner.run()?;
    Ok((scanner.src, scanner.found))
}

struct Scanner {
    src: Vec<u8>,
    pos: usize,
    line: u64,
    found: Vec<Attributed>,
}

impl Scanner {
    fn peek(&self, offset: usize) -> u8 {
        self.src.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn bump(&mut self) {
        if self.peek(0) == b'\n' {
            self.line += 1;
        }
        self.pos += 1;
    }

    fn run(&mut self) -> Result<(), AttributeError> {
        while self.pos < self.src.len() {
            let c = self.peek(0);
            match c {
                b'-' if self.peek(1) == b'-' => self.comment(),
                b'"' | b'\'' => self.quoted(c),
                b'[' if matches!(self.peek(1), b'[' | b'=')
                    && self.long_bracket_level().is_some() =>
                {
                    self.long_bracket()
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let word = self.name();
                    if word == b"local" {
                        self.local_names()?;
                    }
                }
                _ => self.bump(),
            }
        }
        Ok(())
    }

    fn name(&mut self) -> Vec<u8> {
        let start = self.pos;
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
            self.bump();
        }
        self.src[start..self.pos].to_vec()
    }

    /// Skips spaces and comments between tokens.
    fn skip_space(&mut self) {
        loop {
            match self.peek(0) {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c => self.bump(),
                b'-' if self.peek(1) == b'-' => self.comment(),
                _ => return,
            }
        }
    }

    /// After `local`: a name list whose names may carry `<attrib>`.
    fn local_names(&mut self) -> Result<(), AttributeError> {
        let line = self.line;
        let mut closes = 0;
        loop {
            self.skip_space();
            if !(self.peek(0).is_ascii_alphabetic() || self.peek(0) == b'_') {
                return Ok(());
            }
            let name = self.name();
            if name == b"function" {
                return Ok(());
            }
            self.skip_space();
            if self.peek(0) == b'<' {
                let start = self.pos;
                self.bump();
                self.skip_space();
                let attribute_line = self.line;
                let attribute = self.name();
                self.skip_space();
                if self.peek(0) != b'>' {
                    return Err(AttributeError {
                        line: attribute_line,
                        message: "'>' expected".into(),
                    });
                }
                self.bump();
                let attribute = match attribute.as_slice() {
                    b"const" => Attribute::Const,
                    b"close" => Attribute::Close,
                    other => {
                        let other = String::from_utf8_lossy(other);
                        let message = format!("unknown attribute '{other}'");
                        return Err(AttributeError { line: attribute_line, message });
                    }
                };
                if attribute == Attribute::Close {
                    closes += 1;
                    if closes > 1 {
                        let message = "multiple to-be-closed variables in local list".into();
                        return Err(AttributeError { line: attribute_line, message });
                    }
                }
                // Blank the attribute, keeping line breaks where they were.
                for byte in &mut self.src[start..self.pos] {
                    if *byte != b'\n' {
                        *byte = b' ';
                    }
                }
                self.found.push(Attributed { line, name, attribute });
                self.skip_space();
            }
            if self.peek(0) != b',' {
                return Ok(());
            }
            self.bump();
        }
    }

    fn comment(&mut self) {
        self.bump();
        self.bump();
        if self.peek(0) == b'[' && self.long_bracket_level().is_some() {
            self.long_bracket();
            return;
        }
        while self.pos < self.src.len() && self.peek(0) != b'\n' {
            self.bump();
        }
    }

    fn quoted(&mut self, quote: u8) {
        self.bump();
        while self.pos < self.src.len() {
            match self.peek(0) {
                b'\\' => {
                    self.bump();
                    self.bump();
                }
                b'\n' => return, // unfinished string: the parser reports it
                c => {
                    self.bump();
                    if c == quote {
                        return;
                    }
                }
            }
        }
    }

    /// The level of a long bracket opening at `pos` (`[[` is 0, `[==[` is 2).
    fn long_bracket_level(&self) -> Option<usize> {
        let mut level = 0;
        while self.peek(1 + level) == b'=' {
            level += 1;
        }
        (self.peek(1 + level) == b'[').then_some(level)
    }

    fn long_bracket(&mut self) {
        let level = self.long_bracket_level().unwrap_or(0);
        for _ in 0..level + 2 {
            self.bump();
        }
        while self.pos < self.src.len() {
            if self.peek(0) == b']'
                && (1..=level).all(|i| self.peek(i) == b'=')
                && self.peek(level + 1) == b']'
            {
                for _ in 0..level + 2 {
                    self.bump();
                }
                return;
            }
            self.bump();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(source: &str) -> (String, Vec<(u64, String, Attribute)>) {
        let (text, attrs) = strip(source.as_bytes()).unwrap();
        let attrs = attrs
            .into_iter()
            .map(|a| (a.line, String::from_utf8(a.name).unwrap(), a.attribute))
            .collect();
        (String::from_utf8(text).unwrap(), attrs)
    }

    #[test]
    fn blanks_attributes_and_reports_them() {
        let (text, attrs) = found("local n <const> = 10\nlocal a, f <close>, b = 1, g(), 2\n");
        assert_eq!(text, "local n         = 10\nlocal a, f        , b = 1, g(), 2\n");
        assert_eq!(
            attrs,
            vec![(0, "n".into(), Attribute::Const), (1, "f".into(), Attribute::Close)]
        );
    }

    #[test]
    fn ignores_strings_comments_and_comparisons() {
        let source = "local s = 'local x <const>' -- local y <const>\n--[[ local z <close> ]]\nlocal t = [==[local w <const>]==]\nif a < b and c > d then end\nlocal function f() end\n";
        let (text, attrs) = found(source);
        assert_eq!(text, source);
        assert!(attrs.is_empty());
    }

    #[test]
    fn refuses_what_lua_refuses() {
        assert_eq!(
            strip(b"local x <static> = 1").unwrap_err().message,
            "unknown attribute 'static'"
        );
        assert_eq!(
            strip(b"local a <close>, b <close> = f(), g()").unwrap_err().message,
            "multiple to-be-closed variables in local list"
        );
    }
}
