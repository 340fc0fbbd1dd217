//! Lua 5.4 pattern matching over byte strings (find/match/gmatch/gsub), ported from lstrlib.c.
//!
//! Everything works on byte offsets (0-based, half-open ranges); the Lua
//! binding converts them to Lua's 1-based positions. Error texts are exactly
//! the messages Lua 5.4 raises (without the "file:line:" prefix).

use std::fmt;
use std::ops::Range;

/// Maximum number of captures in one pattern (`LUA_MAXCAPTURES`).
pub const MAX_CAPTURES: usize = 32;

/// Maximum nesting of recursive matcher calls (`MAXCCALLS`).
const MAX_CALLS: usize = 200;

const ESC: u8 = b'%';

/// Bytes that make a pattern "special" (lstrlib's `SPECIALS`).
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// A pattern-matching error; `Display` gives Lua's message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// "malformed pattern (ends with '%')"
    EndsWithPercent,
    /// "malformed pattern (missing ']')"
    MissingBracket,
    /// "malformed pattern (missing arguments to '%b')"
    MissingBalanceArgs,
    /// "missing '[' after '%f' in pattern"
    MissingFrontierBracket,
    /// "invalid capture index %N" (in a pattern back-reference or a replacement string)
    InvalidCaptureIndex(usize),
    /// "invalid pattern capture" (a `)` without an open capture)
    InvalidPatternCapture,
    /// "unfinished capture" (a match whose capture was never closed was used)
    UnfinishedCapture,
    /// "too many captures" (more than [`MAX_CAPTURES`])
    TooManyCaptures,
    /// "pattern too complex" (recursion deeper than 200)
    TooComplex,
    /// The search took more than [`MAX_STEPS`] steps.
    TooExpensive,
    /// "invalid use of '%' in replacement string"
    InvalidPercentInReplacement,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndsWithPercent => f.write_str("malformed pattern (ends with '%')"),
            Self::MissingBracket => f.write_str("malformed pattern (missing ']')"),
            Self::MissingBalanceArgs => {
                f.write_str("malformed pattern (missing arguments to '%b')")
            }
            Self::MissingFrontierBracket => f.write_str("missing '[' after '%f' in pattern"),
            Self::InvalidCaptureIndex(n) => write!(f, "invalid capture index %{n}"),
            Self::InvalidPatternCapture => f.write_str("invalid pattern capture"),
            Self::UnfinishedCapture => f.write_str("unfinished capture"),
            Self::TooManyCaptures => f.write_str("too many captures"),
            Self::TooComplex => f.write_str("pattern too complex"),
            Self::TooExpensive => {
                write!(f, "pattern matching too expensive (more than {MAX_STEPS} steps)")
            }
            Self::InvalidPercentInReplacement => {
                f.write_str("invalid use of '%' in replacement string")
            }
        }
    }
}

impl std::error::Error for PatternError {}

/// One captured value, as Lua would push it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capture {
    /// A substring capture: byte range into the subject.
    Str(Range<usize>),
    /// A position capture `()`: the 1-based position Lua returns.
    Position(usize),
}

impl Capture {
    /// Appends the capture's string form (positions in decimal) to `out`.
    pub fn append_to(&self, subject: &[u8], out: &mut Vec<u8>) {
        match self {
            Capture::Str(r) => out.extend_from_slice(subject.get(r.clone()).unwrap_or_default()),
            Capture::Position(p) => out.extend_from_slice(p.to_string().as_bytes()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CapLen {
    Unfinished,
    Position,
    Len(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    init: usize,
    len: CapLen,
}

/// A successful match: the matched byte range plus the raw capture state.
///
/// Captures are resolved lazily, exactly when Lua would push them, because
/// an unfinished capture is only an error if its value is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// Byte range of the whole match in the subject.
    pub range: Range<usize>,
    slots: Vec<Slot>,
}

impl Match {
    /// Number of captures the pattern opened (finished or not).
    pub fn capture_count(&self) -> usize {
        self.slots.len()
    }

    /// Lua's `get_onecapture`: capture `i` (0-based). With no captures,
    /// index 0 is the whole match.
    pub fn capture(&self, i: usize) -> Result<Capture, PatternError> {
        let Some(slot) = self.slots.get(i) else {
            return match i {
                0 => Ok(Capture::Str(self.range.clone())),
                _ => Err(PatternError::InvalidCaptureIndex(i + 1)),
            };
        };
        match slot.len {
            CapLen::Unfinished => Err(PatternError::UnfinishedCapture),
            CapLen::Position => Ok(Capture::Position(slot.init + 1)),
            CapLen::Len(n) => Ok(Capture::Str(slot.init..slot.init + n)),
        }
    }

    /// The values `string.match`, `gmatch` and a `gsub` function receive:
    /// all captures, or the whole match when the pattern has none.
    pub fn captures(&self) -> Result<Vec<Capture>, PatternError> {
        (0..self.slots.len().max(1)).map(|i| self.capture(i)).collect()
    }

    /// The extra values `string.find` returns: only explicit captures.
    pub fn find_captures(&self) -> Result<Vec<Capture>, PatternError> {
        (0..self.slots.len()).map(|i| self.capture(i)).collect()
    }
}

/// True when `pattern` has no magic characters, so `string.find` may do a
/// plain substring search (lstrlib's `nospecials`).
pub fn is_plain(pattern: &[u8]) -> bool {
    !pattern.iter().any(|b| SPECIALS.contains(b))
}

/// Plain substring search starting at byte `init`; returns the start offset.
pub fn find_plain(subject: &[u8], needle: &[u8], init: usize) -> Option<usize> {
    let hay = subject.get(init..)?;
    if needle.is_empty() {
        return Some(init);
    }
    // Two-way search (memchr): linear in the subject, where comparing at
    // every offset took 18 s for a 100 KB needle in 10 MB, all inside one
    // call the time budget cannot stop.
    memchr::memmem::find(hay, needle).map(|i| i + init)
}

/// `string.find`/`string.match` search: tries every start from `init`
/// (0-based byte offset) to the end of the subject, honouring a leading `^`.
/// Returns `Ok(None)` when `init > subject.len()` or nothing matches.
pub fn find_at(subject: &[u8], pattern: &[u8], init: usize) -> Result<Option<Match>, PatternError> {
    if init > subject.len() {
        return Ok(None);
    }
    let (anchor, pat) = split_anchor(pattern);
    let mut m = Matcher::new(subject, pat);
    let mut start = init;
    loop {
        if let Some(found) = m.try_at(start)? {
            return Ok(Some(found));
        }
        if anchor || start >= subject.len() {
            return Ok(None);
        }
        start += 1;
    }
}

/// One anchored attempt at byte offset `pos`; the pattern is used as is
/// (a leading `^` is a literal here, as in `gmatch`).
pub fn match_here(
    subject: &[u8],
    pattern: &[u8],
    pos: usize,
) -> Result<Option<Match>, PatternError> {
    if pos > subject.len() {
        return Ok(None);
    }
    Matcher::new(subject, pattern).try_at(pos)
}

fn split_anchor(pattern: &[u8]) -> (bool, &[u8]) {
    match pattern.split_first() {
        Some((b'^', rest)) => (true, rest),
        _ => (false, pattern),
    }
}

/// Successive matches exactly as Lua 5.4's `gmatch` and `gsub` find them,
/// including the rule that an empty match may not end where the previous
/// match ended. After an error the iterator is exhausted.
///
/// For `gsub`, copy `subject[prev_end..m.range.start]` before each
/// replacement and `subject[prev_end..]` at the end; stop pulling after
/// the maximum number of replacements. A table replacement is indexed with
/// `m.capture(0)`, a function gets `m.captures()`; when either yields nil
/// or false, the matched text is kept (see [`gsub`] for string ones).
#[derive(Clone, Debug)]
pub struct MatchIter<'a> {
    subject: &'a [u8],
    pattern: &'a [u8],
    pos: usize,
    last_match: Option<usize>,
    anchored: bool,
    done: bool,
}

impl<'a> MatchIter<'a> {
    /// `string.gmatch(subject, pattern, init)`: `init` is the 0-based start
    /// offset (already clipped by `posrelat`); `^` is not an anchor here.
    pub fn gmatch(subject: &'a [u8], pattern: &'a [u8], init: usize) -> Self {
        let pos = init.min(subject.len() + 1);
        Self { subject, pattern, pos, last_match: None, anchored: false, done: false }
    }

    /// The match sequence of `string.gsub(subject, pattern, ...)`: a leading
    /// `^` anchors the (single) attempt at the start of the subject.
    pub fn gsub(subject: &'a [u8], pattern: &'a [u8]) -> Self {
        let (anchored, pattern) = split_anchor(pattern);
        Self { subject, pattern, pos: 0, last_match: None, anchored, done: false }
    }

    fn advance(&mut self) -> Result<Option<Match>, PatternError> {
        let mut m = Matcher::new(self.subject, self.pattern);
        while self.pos <= self.subject.len() {
            let found = m.try_at(self.pos)?;
            if let Some(found) = found.filter(|f| Some(f.range.end) != self.last_match) {
                self.pos = found.range.end;
                self.last_match = Some(found.range.end);
                self.done = self.anchored;
                return Ok(Some(found));
            }
            if self.anchored {
                break;
            }
            self.pos += 1;
        }
        self.done = true;
        Ok(None)
    }
}

impl Iterator for MatchIter<'_> {
    type Item = Result<Match, PatternError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.advance();
        if result.is_err() {
            self.done = true;
        }
        result.transpose()
    }
}

/// Appends gsub's string replacement for match `m` (found in `subject`)
/// to `out`: `%0` is the
/// whole match, `%1`..`%9` captures (`%1` is the whole match when the
/// pattern has no captures), `%%` a percent sign.
pub fn expand_replacement(
    repl: &[u8],
    subject: &[u8],
    m: &Match,
    out: &mut Vec<u8>,
) -> Result<(), PatternError> {
    let mut rest = repl;
    while let Some(at) = rest.iter().position(|&b| b == ESC) {
        out.extend_from_slice(&rest[..at]);
        let code = rest.get(at + 1).copied().unwrap_or(0);
        match code {
            ESC => out.push(ESC),
            b'0' => out.extend_from_slice(subject.get(m.range.clone()).unwrap_or_default()),
            b'1'..=b'9' => m.capture(usize::from(code - b'1'))?.append_to(subject, out),
            _ => return Err(PatternError::InvalidPercentInReplacement),
        }
        rest = &rest[at + 2..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// `string.gsub` with a string replacement. `max_replacements` is Lua's
/// optional 4th argument (pass `usize::MAX` when absent, 0 when negative).
/// Returns the new string and the number of replacements.
pub fn gsub(
    subject: &[u8],
    pattern: &[u8],
    repl: &[u8],
    max_replacements: usize,
) -> Result<(Vec<u8>, usize), PatternError> {
    let mut out = Vec::with_capacity(subject.len());
    let mut prev_end = 0;
    let mut count = 0;
    let mut iter = MatchIter::gsub(subject, pattern);
    while count < max_replacements {
        let Some(found) = iter.next() else { break };
        let found = found?;
        out.extend_from_slice(&subject[prev_end..found.range.start]);
        expand_replacement(repl, subject, &found, &mut out)?;
        prev_end = found.range.end;
        count += 1;
    }
    out.extend_from_slice(&subject[prev_end..]);
    Ok((out, count))
}

/// What one step of the matcher loop decided (C's `goto init` or `return`).
enum Step {
    Goto(usize, usize),
    Done(Option<usize>),
}

fn done_or(next: Option<usize>, p: usize) -> Step {
    match next {
        Some(s) => Step::Goto(s, p),
        None => Step::Done(None),
    }
}

/// Matching steps one search may take. Lua has no such limit, but a
/// backtracking pattern (`('a'):rep(5000):find('.-.-.-b')`) could otherwise
/// run for hours inside one call that no instruction budget can interrupt;
/// this many steps take well under a second.
pub const MAX_STEPS: u64 = 50_000_000;

/// The matcher state (lstrlib's `MatchState`).
struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    caps: Vec<Slot>,
    steps: u64,
}

impl<'a> Matcher<'a> {
    fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        Self { src, pat, depth: MAX_CALLS, caps: Vec::new(), steps: 0 }
    }

    fn try_at(&mut self, start: usize) -> Result<Option<Match>, PatternError> {
        self.caps.clear();
        self.depth = MAX_CALLS;
        let end = self.do_match(start, 0)?;
        Ok(end.map(|end| Match { range: start..end, slots: self.caps.clone() }))
    }

    /// Pattern byte, reading the C string terminator past the end.
    fn pat_at(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    /// Subject byte, reading the C string terminator past the end.
    fn src_at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn do_match(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if self.depth == 0 {
            return Err(PatternError::TooComplex);
        }
        self.depth -= 1;
        let result = self.match_loop(s, p);
        self.depth += 1;
        result
    }

    fn match_loop(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, PatternError> {
        loop {
            match self.step(s, p)? {
                Step::Goto(ns, np) => (s, p) = (ns, np),
                Step::Done(result) => return Ok(result),
            }
        }
    }

    fn step(&mut self, s: usize, p: usize) -> Result<Step, PatternError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(PatternError::TooExpensive);
        }
        let Some(&c) = self.pat.get(p) else {
            return Ok(Step::Done(Some(s)));
        };
        match c {
            b'(' if self.pat_at(p + 1) == b')' => {
                self.start_capture(s, p + 2, CapLen::Position).map(Step::Done)
            }
            b'(' => self.start_capture(s, p + 1, CapLen::Unfinished).map(Step::Done),
            b')' => self.end_capture(s, p + 1).map(Step::Done),
            b'$' if p + 1 == self.pat.len() => Ok(Step::Done((s == self.src.len()).then_some(s))),
            ESC => self.escape_item(s, p),
            _ => self.class_item(s, p),
        }
    }

    fn escape_item(&mut self, s: usize, p: usize) -> Result<Step, PatternError> {
        match self.pat_at(p + 1) {
            b'b' => Ok(done_or(self.match_balance(s, p + 2)?, p + 4)),
            b'f' => self.frontier(s, p + 2),
            d @ b'0'..=b'9' => Ok(done_or(self.match_capture(s, d)?, p + 2)),
            _ => self.class_item(s, p),
        }
    }

    /// A single-byte class with an optional `* + - ?` suffix.
    fn class_item(&mut self, s: usize, p: usize) -> Result<Step, PatternError> {
        let ep = self.class_end(p)?;
        let suffix = self.pat_at(ep);
        if !self.single_match(s, p, ep) {
            let empty_ok = matches!(suffix, b'*' | b'?' | b'-');
            return Ok(if empty_ok { Step::Goto(s, ep + 1) } else { Step::Done(None) });
        }
        match suffix {
            b'?' => match self.do_match(s + 1, ep + 1)? {
                Some(end) => Ok(Step::Done(Some(end))),
                None => Ok(Step::Goto(s, ep + 1)),
            },
            b'+' => self.max_expand(s + 1, p, ep).map(Step::Done),
            b'*' => self.max_expand(s, p, ep).map(Step::Done),
            b'-' => self.min_expand(s, p, ep).map(Step::Done),
            _ => Ok(Step::Goto(s + 1, ep)),
        }
    }

    /// Index just past the single-byte class starting at `p`.
    fn class_end(&self, p: usize) -> Result<usize, PatternError> {
        let first = self.pat_at(p);
        let mut p = p + 1;
        if first == ESC {
            return if p >= self.pat.len() {
                Err(PatternError::EndsWithPercent)
            } else {
                Ok(p + 1)
            };
        }
        if first != b'[' {
            return Ok(p);
        }
        if self.pat_at(p) == b'^' {
            p += 1;
        }
        loop {
            if p >= self.pat.len() {
                return Err(PatternError::MissingBracket);
            }
            let c = self.pat[p];
            p += 1;
            if c == ESC && p < self.pat.len() {
                p += 1;
            }
            if self.pat_at(p) == b']' {
                return Ok(p + 1);
            }
        }
    }

    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else { return false };
        match self.pat[p] {
            b'.' => true,
            ESC => match_class(c, self.pat_at(p + 1)),
            b'[' => self.bracket_class(c, p, ep - 1),
            pc => pc == c,
        }
    }

    /// Set membership; `p` is at the `[`, `ec` at the closing `]`.
    fn bracket_class(&self, c: u8, p: usize, ec: usize) -> bool {
        let mut p = p;
        let mut sig = true;
        if self.pat_at(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                return !sig;
            }
            let pc = self.pat[p];
            if pc == ESC {
                p += 1;
                if match_class(c, self.pat_at(p)) {
                    return sig;
                }
            } else if self.pat_at(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if pc <= c && c <= self.pat[p] {
                    return sig;
                }
            } else if pc == c {
                return sig;
            }
        }
    }

    fn match_balance(&self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if p + 1 >= self.pat.len() {
            return Err(PatternError::MissingBalanceArgs);
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if self.src_at(s) != open || s >= self.src.len() {
            return Ok(None);
        }
        let mut depth = 1usize;
        for (i, &c) in self.src.iter().enumerate().skip(s + 1) {
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(None)
    }

    /// `%f[set]`; `p` points just after `%f`.
    fn frontier(&self, s: usize, p: usize) -> Result<Step, PatternError> {
        if self.pat_at(p) != b'[' {
            return Err(PatternError::MissingFrontierBracket);
        }
        let ep = self.class_end(p)?;
        let prev = if s == 0 { 0 } else { self.src_at(s - 1) };
        let here = self.src_at(s);
        let hit = !self.bracket_class(prev, p, ep - 1) && self.bracket_class(here, p, ep - 1);
        Ok(if hit { Step::Goto(s, ep) } else { Step::Done(None) })
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, PatternError> {
        let mut i = 0;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        loop {
            if let Some(end) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(end));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, PatternError> {
        let mut s = s;
        loop {
            if let Some(end) = self.do_match(s, ep + 1)? {
                return Ok(Some(end));
            }
            if !self.single_match(s, p, ep) {
                return Ok(None);
            }
            s += 1;
        }
    }

    fn start_capture(
        &mut self,
        s: usize,
        p: usize,
        what: CapLen,
    ) -> Result<Option<usize>, PatternError> {
        if self.caps.len() >= MAX_CAPTURES {
            return Err(PatternError::TooManyCaptures);
        }
        self.caps.push(Slot { init: s, len: what });
        let result = self.do_match(s, p)?;
        if result.is_none() {
            self.caps.pop();
        }
        Ok(result)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        let l = self
            .caps
            .iter()
            .rposition(|c| c.len == CapLen::Unfinished)
            .ok_or(PatternError::InvalidPatternCapture)?;
        self.caps[l].len = CapLen::Len(s - self.caps[l].init);
        let result = self.do_match(s, p)?;
        if result.is_none() {
            self.caps[l].len = CapLen::Unfinished;
        }
        Ok(result)
    }

    /// Back-reference `%1`..`%9` (and the always-invalid `%0`).
    fn match_capture(&self, s: usize, digit: u8) -> Result<Option<usize>, PatternError> {
        let index = usize::from(digit - b'0');
        let slot = index
            .checked_sub(1)
            .and_then(|l| self.caps.get(l))
            .filter(|slot| slot.len != CapLen::Unfinished)
            .ok_or(PatternError::InvalidCaptureIndex(index))?;
        let CapLen::Len(len) = slot.len else { return Ok(None) };
        let matches = self.src.len() - s >= len
            && self.src[slot.init..slot.init + len] == self.src[s..s + len];
        Ok(matches.then_some(s + len))
    }
}

/// C-locale `isspace`: includes vertical tab, unlike `u8::is_ascii_whitespace`.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t'..=b'\r')
}

/// `%x`-style class test (C locale); other bytes match themselves.
fn match_class(c: u8, class: u8) -> bool {
    let res = match class.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => is_c_space(c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return class == c,
    };
    if class.is_ascii_lowercase() { res } else { !res }
}

#[cfg(test)]
mod tests {
    //! Expected values were checked against the lua5.4 (5.4.4) binary.
    use super::*;

    #[test]
    fn exponential_backtracking_is_cut_off() {
        let subject = b"a".repeat(5000);
        assert_eq!(find_at(&subject, b".-.-.-b", 0), Err(PatternError::TooExpensive));
        // Ordinary work stays far below the limit.
        let line = b"Native:2L,Web:M,Apps:Q".repeat(1000);
        assert!(find_at(&line, b"(%a+):(%d*)([SMLQ])$", 0).unwrap().is_some());
    }

    /// `string.find` as Lua does it: 1-based `init`, plain fast path.
    fn find(s: &str, p: &str, init: usize) -> Result<Option<(usize, usize, Vec<String>)>, String> {
        let (s, p) = (s.as_bytes(), p.as_bytes());
        if is_plain(p) {
            return Ok(find_plain(s, p, init - 1).map(|a| (a + 1, a + p.len(), vec![])));
        }
        let found = find_at(s, p, init - 1).map_err(|e| e.to_string())?;
        let Some(m) = found else { return Ok(None) };
        let caps = m.find_captures().map_err(|e| e.to_string())?;
        Ok(Some((m.range.start + 1, m.range.end, show(s, &caps))))
    }

    /// `string.match` with `init` 1, captures rendered as strings.
    fn lmatch(s: &str, p: &str) -> Result<Option<Vec<String>>, String> {
        lmatch_bytes(s.as_bytes(), p.as_bytes(), 0)
    }

    fn lmatch_bytes(s: &[u8], p: &[u8], init: usize) -> Result<Option<Vec<String>>, String> {
        let found = find_at(s, p, init).map_err(|e| e.to_string())?;
        let Some(m) = found else { return Ok(None) };
        Ok(Some(show(s, &m.captures().map_err(|e| e.to_string())?)))
    }

    fn show(s: &[u8], caps: &[Capture]) -> Vec<String> {
        caps.iter()
            .map(|c| {
                let mut out = Vec::new();
                c.append_to(s, &mut out);
                String::from_utf8_lossy(&out).into_owned()
            })
            .collect()
    }

    fn one(s: &str, p: &str) -> String {
        lmatch(s, p).unwrap().unwrap().remove(0)
    }

    fn gmatch_all(s: &str, p: &str, init: usize) -> Vec<String> {
        MatchIter::gmatch(s.as_bytes(), p.as_bytes(), init)
            .map(|m| show(s.as_bytes(), &m.unwrap().captures().unwrap()).join(":"))
            .collect()
    }

    fn lgsub(s: &str, p: &str, r: &str, max: usize) -> Result<(String, usize), String> {
        let (out, n) =
            gsub(s.as_bytes(), p.as_bytes(), r.as_bytes(), max).map_err(|e| e.to_string())?;
        Ok((String::from_utf8(out).unwrap(), n))
    }

    fn err(s: &str, p: &str) -> String {
        lmatch(s, p).unwrap_err()
    }

    #[test]
    fn find_plain_and_patterned() {
        assert_eq!(find("hello world", "o w", 1), Ok(Some((5, 7, vec![]))));
        assert_eq!(find("hello world", "o", 6), Ok(Some((8, 8, vec![]))));
        assert_eq!(find("hello", "l+", 1), Ok(Some((3, 4, vec![]))));
        assert_eq!(find("[x]", "[", 1), Err("malformed pattern (missing ']')".into()));
        assert_eq!(find_plain(b"[x]", b"[", 0), Some(0));
        assert_eq!(find("hello", "", 6), Ok(Some((6, 5, vec![]))));
        assert_eq!(find("hello", "", 10), Ok(None));
        let caps = vec!["key".to_string(), "value".to_string()];
        assert_eq!(find("key = value", "(%w+)%s*=%s*(%w+)", 1), Ok(Some((1, 11, caps))));
        assert_eq!(find("hello", "%f[%z]", 1), Ok(Some((6, 5, vec![]))));
    }

    #[test]
    fn anchors() {
        assert_eq!(find("hello", "^h", 1), Ok(Some((1, 1, vec![]))));
        assert_eq!(find("hello", "^e", 1), Ok(None));
        assert_eq!(find("hello", "^l", 3), Ok(Some((3, 3, vec![]))));
        assert_eq!(find("hello", "o$", 1), Ok(Some((5, 5, vec![]))));
        assert_eq!(find("a$b", "$b", 1), Ok(Some((2, 3, vec![]))));
        assert_eq!(find("a^b", "a^", 1), Ok(Some((1, 2, vec![]))));
        assert_eq!(one("  trim me  ", "^%s*(.-)%s*$"), "trim me");
        assert_eq!(one("ab12", "%d?%d?$"), "12");
    }

    #[test]
    fn classes_and_sets() {
        assert_eq!(one("_id9 rest", "[%a_][%w_]*"), "_id9");
        assert_eq!(one("a]b", "[]]"), "]");
        assert_eq!(one("a]b", "[^]a]"), "b");
        assert_eq!(one("a-b", "[a-]+"), "a-");
        assert_eq!(one("x+y", "[^%w]"), "+");
        assert_eq!(one("\0\x01abc", "%c+"), "\0\x01");
        assert_eq!(one("\x0b\x0c x", "%s+"), "\x0b\x0c ");
        assert_eq!(one("aB3;", "%u%d%p"), "B3;");
        assert_eq!(one("xyz 0fF", "%x+"), "0fF");
        assert_eq!(one("a\0b", "%z"), "\0");
        assert_eq!(one("ab", "%Z+"), "ab");
        assert_eq!(one("hi there", "%S+$"), "there");
        assert_eq!(one("..a", "%.%.(.)"), "a");
        assert_eq!(one("abcdef", "[b-d]+"), "bcd");
        assert_eq!(one("a%b", "[%%]"), "%");
        assert_eq!(lmatch("é", "%a"), Ok(None));
        assert_eq!(
            lmatch_bytes(&[0xe9, b'x'], b"[\x80-\xff]", 0),
            Ok(Some(vec!["\u{fffd}".into()]))
        );
    }

    #[test]
    fn quantifiers() {
        assert_eq!(one("<a><b>", "<(.-)>"), "a");
        assert_eq!(one("<a><b>", "<(.*)>"), "a><b");
        assert_eq!(lmatch("aaa", "a-b"), Ok(None));
        assert_eq!(one("aaab", "a-b"), "aaab");
        assert_eq!(lmatch("hello", ".-(l+)(.*)"), Ok(Some(vec!["ll".into(), "o".into()])));
        assert_eq!(one("color colour", "colou?r$"), "colour");
        assert_eq!(one("xaaay", "a+"), "aaa");
        assert_eq!(one("xy", "a*"), "");
    }

    #[test]
    fn captures_balance_frontier_backrefs() {
        assert_eq!(lmatch("hello", "()ll()"), Ok(Some(vec!["3".into(), "5".into()])));
        let m = find_at(b"hello", b"()ll()", 0).unwrap().unwrap();
        assert_eq!(m.captures(), Ok(vec![Capture::Position(3), Capture::Position(5)]));
        assert_eq!(one("x = (a(b)c) + d", "%b()"), "(a(b)c)");
        assert_eq!(one("f(a(b)", "%b()"), "(b)");
        assert_eq!(one("THE (quick) fox", "%f[%l]%a+"), "quick");
        assert_eq!(one("hello", "%f[%z]"), "");
        assert_eq!(one("abcabc", "(abc)%1"), "abc");
        assert_eq!(one("say 'hi' \"yo\"", "([\"'])(.-)%1"), "'");
        assert_eq!(lmatch("()", "()%1"), Ok(None));
        let nested = lmatch("abcd", "((a)(b)c)").unwrap().unwrap();
        assert_eq!(nested, vec!["abc", "a", "b"]);
    }

    #[test]
    fn capture_count_limit() {
        let s = b"aaaa";
        let m = find_at(s, &b"()".repeat(32), 0).unwrap().unwrap();
        assert_eq!(m.find_captures().unwrap().len(), 32);
        assert_eq!(find_at(s, &b"()".repeat(33), 0), Err(PatternError::TooManyCaptures));
    }

    #[test]
    fn recursion_limit_is_200_calls() {
        let s = b"a".repeat(300);
        let ok = find_at(&s, &b"a?".repeat(199), 0).unwrap().unwrap();
        assert_eq!(ok.range, 0..199);
        assert_eq!(find_at(&s, &b"a?".repeat(200), 0), Err(PatternError::TooComplex));
        assert_eq!(find_at(&s, &b"a?".repeat(201), 0), Err(PatternError::TooComplex));
    }

    #[test]
    fn error_messages() {
        assert_eq!(err("abc", "%"), "malformed pattern (ends with '%')");
        assert_eq!(err("abc", "[a"), "malformed pattern (missing ']')");
        assert_eq!(err("abc", "[a%"), "malformed pattern (missing ']')");
        assert_eq!(err("abc", "[^"), "malformed pattern (missing ']')");
        assert_eq!(err("abc", "%b("), "malformed pattern (missing arguments to '%b')");
        assert_eq!(err("abc", "%fa"), "missing '[' after '%f' in pattern");
        assert_eq!(err("abc", "%f"), "missing '[' after '%f' in pattern");
        assert_eq!(err("abc", "(a%1)"), "invalid capture index %1");
        assert_eq!(err("abc", "%0"), "invalid capture index %0");
        assert_eq!(err("abc", "a)"), "invalid pattern capture");
        assert_eq!(err("abc", "(a"), "unfinished capture");
        assert_eq!(find("abc", "(a", 1), Err("unfinished capture".into()));
        assert_eq!(lmatch("xyz", "(a"), Ok(None));
    }

    #[test]
    fn gmatch_sequences() {
        assert_eq!(gmatch_all("one two  three", "%a+", 0), ["one", "two", "three"]);
        assert_eq!(gmatch_all("abc", "x*", 0), ["", "", "", ""]);
        assert_eq!(gmatch_all("a=1, b=2", "(%w+)=(%w+)", 0), ["a:1", "b:2"]);
        assert_eq!(gmatch_all("^a^b", "^.", 0), ["^a", "^b"]);
        assert_eq!(gmatch_all("hello", "()", 2), ["3", "4", "5", "6"]);
        assert_eq!(gmatch_all("abab", "a*", 0), ["a", "a", ""]);
        assert!(gmatch_all("abc", ".", 10).is_empty());
        let mut it = MatchIter::gmatch(b"abc", b"[", 0);
        assert_eq!(it.next(), Some(Err(PatternError::MissingBracket)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn gsub_strings() {
        assert_eq!(
            lgsub("hello world", "(%w+)", "<%1>", usize::MAX),
            Ok(("<hello> <world>".into(), 2))
        );
        assert_eq!(lgsub("abc", "", "-", usize::MAX), Ok(("-a-b-c-".into(), 4)));
        assert_eq!(lgsub("abc", "%w*", "-", usize::MAX), Ok(("-".into(), 1)));
        assert_eq!(
            lgsub("hello world", "o*", "-", usize::MAX),
            Ok(("-h-e-l-l- -w-r-l-d-".into(), 10))
        );
        assert_eq!(lgsub("abc def", "%w+", "%0%0", 1), Ok(("abcabc def".into(), 1)));
        assert_eq!(lgsub("aaa", "^a", "b", usize::MAX), Ok(("baa".into(), 1)));
        assert_eq!(lgsub("aaa", "^b", "c", usize::MAX), Ok(("aaa".into(), 0)));
        assert_eq!(lgsub("100%", "%%", "%%%%", usize::MAX), Ok(("100%%".into(), 1)));
        assert_eq!(lgsub("abc", "()b", "%1", usize::MAX), Ok(("a2c".into(), 1)));
        assert_eq!(lgsub("abc", "b", "[%1]", usize::MAX), Ok(("a[b]c".into(), 1)));
        assert_eq!(lgsub("abc", "(a", "x", usize::MAX), Ok(("xbc".into(), 1)));
        assert_eq!(lgsub("hello", "", "x", 0), Ok(("hello".into(), 0)));
        assert_eq!(lgsub("abc", "[", "x", 0), Ok(("abc".into(), 0)));
    }

    #[test]
    fn gsub_errors() {
        let e = |s, p, r| lgsub(s, p, r, usize::MAX).unwrap_err();
        assert_eq!(e("hello", "l", "%2"), "invalid capture index %2");
        assert_eq!(e("hello", "(l)", "%2"), "invalid capture index %2");
        assert_eq!(e("hello", "l", "%"), "invalid use of '%' in replacement string");
        assert_eq!(e("hello", "l", "%x"), "invalid use of '%' in replacement string");
        assert_eq!(e("abc", "(a", "%1"), "unfinished capture");
    }

    #[test]
    fn match_helpers() {
        let m = match_here(b"xab", b"a(b)", 1).unwrap().unwrap();
        assert_eq!(m.range, 1..3);
        assert_eq!(m.capture_count(), 1);
        assert_eq!(m.capture(0), Ok(Capture::Str(2..3)));
        assert_eq!(m.capture(1), Err(PatternError::InvalidCaptureIndex(2)));
        assert_eq!(match_here(b"xab", b"a", 0), Ok(None));
        assert_eq!(match_here(b"xab", b"a", 9), Ok(None));
        let whole = match_here(b"ab", b"a", 0).unwrap().unwrap();
        assert_eq!(whole.captures(), Ok(vec![Capture::Str(0..1)]));
        assert_eq!(whole.find_captures(), Ok(vec![]));
        assert!(is_plain(b"hello world]"));
        assert!(!is_plain(b"a.b"));
        assert!(!is_plain(b"\0-"));
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn bytes(&mut self, alphabet: &[u8], max_len: usize) -> Vec<u8> {
            let len = (self.next() % (max_len as u64 + 1)) as usize;
            (0..len).map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize]).collect()
        }
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let all: Vec<u8> = (0..=255).collect();
        let magic = b"%[]^-$()*+?.abfz019\0";
        for round in 0..20_000 {
            let alphabet: &[u8] = if round % 2 == 0 { magic } else { &all };
            let p = rng.bytes(alphabet, 12);
            let s = rng.bytes(b"ab(]%^-0\0z\xff", 12);
            let repl = rng.bytes(b"%019a", 4);
            let init = (rng.next() % 16) as usize;
            if let Ok(Some(m)) = find_at(&s, &p, init) {
                let _ = m.captures();
                let mut out = Vec::new();
                let _ = expand_replacement(&repl, &s, &m, &mut out);
            }
            let _ = MatchIter::gmatch(&s, &p, init).take(50).count();
            let _ = gsub(&s, &p, &repl, usize::MAX);
        }
    }
}
