//! Patches: a topic's new text written as pieces of its previous text and
//! new text, so a small change to a large view travels as a small frame.
//!
//! Texts are cut into chunks at every tag carrying a `data-key` attribute
//! (renderers put one on each row or item), chunks are matched by key, and
//! a changed chunk is compared tag by tag. Offsets and lengths count UTF-16
//! code units, as JavaScript strings do, so a browser applies a patch with
//! `substring` alone.

use memchr::memmem;
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

/// What marks the start of a keyed chunk.
const KEY_ATTRIBUTE: &[u8] = b"data-key=";
/// Longest key compared; longer keys are cut (only matching suffers).
const MAX_KEY_BYTES: usize = 256;
/// A patch is worth sending only below this share of the new text's size.
const WORTH_SENDING: f64 = 0.5;

/// One piece of the new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// `len` UTF-16 units of the previous text, from `start`.
    Copy { start: usize, len: usize },
    /// Text of its own.
    Text(String),
}

/// A new text written against the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub pieces: Vec<Piece>,
    /// Length of the new text in UTF-16 units, for the receiver to check.
    pub length: usize,
    /// [`checksum`] of the new text, for the receiver to check.
    pub check: u32,
}

impl Patch {
    /// The pieces as a JSON array: a string for text, `[offset, len]` for a
    /// copy, where the copy starts `offset` units after the end of the
    /// previous copy (the start of the text for the first; negative goes
    /// back). Most copies start just past a changed cell, so the offsets
    /// are small and repeat, and the frame compresses several times better
    /// than with absolute starts.
    pub fn pieces_json(&self) -> String {
        serde_json::to_string(&PiecesJson(&self.pieces)).unwrap_or_default()
    }

    /// A patch as a patch frame carries it (`pieces` and `length`), if
    /// the pieces are well formed.
    pub fn from_json(pieces: &serde_json::Value, length: usize, check: u32) -> Option<Patch> {
        let mut end: usize = 0;
        let mut piece = |value: &serde_json::Value| match value {
            serde_json::Value::String(text) => Some(Piece::Text(text.clone())),
            serde_json::Value::Array(pair) => match pair.as_slice() {
                [offset, len] => {
                    let start = end.checked_add_signed(isize::try_from(offset.as_i64()?).ok()?)?;
                    let len = usize::try_from(len.as_u64()?).ok()?;
                    end = start.checked_add(len)?;
                    Some(Piece::Copy { start, len })
                }
                _ => None,
            },
            _ => None,
        };
        let pieces = pieces.as_array()?.iter().map(&mut piece).collect::<Option<Vec<_>>>()?;
        Some(Patch { pieces, length, check })
    }

    /// Rebuilds the new text from `old`; fails if the patch does not fit it.
    pub fn apply(&self, old: &str) -> Result<String, PatchError> {
        let units = Utf16Offsets::new(old);
        let mut out = String::with_capacity(old.len());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Copy { start, len } => {
                    let from = units.to_byte(*start).ok_or(PatchError::OutOfRange)?;
                    let to = start
                        .checked_add(*len)
                        .and_then(|end| units.to_byte(end))
                        .ok_or(PatchError::OutOfRange)?;
                    out.push_str(old.get(from..to).ok_or(PatchError::OutOfRange)?);
                }
            }
        }
        if utf16_len(&out) != self.length {
            return Err(PatchError::Length);
        }
        if checksum(&out) != self.check {
            return Err(PatchError::Checksum);
        }
        Ok(out)
    }
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("a copy reaches outside the previous text or splits a character")]
    OutOfRange,
    #[error("the result does not have the announced length")]
    Length,
    #[error("the result does not have the announced checksum")]
    Checksum,
}

struct PiecesJson<'a>(&'a [Piece]);

impl Serialize for PiecesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        let mut end: usize = 0;
        for piece in self.0 {
            match *piece {
                Piece::Copy { start, len } => {
                    // Texts are far below isize::MAX units.
                    let offset = start as i64 - end as i64;
                    seq.serialize_element(&(offset, len))?;
                    end = start + len;
                }
                Piece::Text(ref text) => seq.serialize_element(text)?,
            }
        }
        seq.end()
    }
}

/// Writes `new` against `old`, or `None` when the patch would not be much
/// smaller than `new` itself.
pub fn diff(old: &str, new: &str) -> Option<Patch> {
    // The checksum is a serial walk over every unit (a millisecond for a
    // 700 KB view): on a large text it runs on a second thread meanwhile.
    if new.len() >= PARALLEL_CHECKSUM_BYTES {
        return std::thread::scope(|scope| {
            let check = scope.spawn(|| checksum(new));
            let patch = pieces(old, new);
            let check = check.join().unwrap_or_else(|_| checksum(new));
            patch.map(|patch| Patch { check, ..patch })
        });
    }
    pieces(old, new).map(|patch| Patch { check: checksum(new), ..patch })
}

/// Texts this long have their checksum computed beside the diff.
const PARALLEL_CHECKSUM_BYTES: usize = 64 << 10;

/// [`diff`] without the checksum (0), which the caller fills in.
fn pieces(old: &str, new: &str) -> Option<Patch> {
    let old_chunks = chunks(old);
    let mut by_key = std::collections::HashMap::with_capacity(old_chunks.len());
    for chunk in &old_chunks {
        by_key.entry(chunk.key).or_insert_with(|| chunk.range.clone());
    }
    let mut out = Builder::new(old, new);
    for chunk in chunks(new) {
        match by_key.get(chunk.key) {
            Some(before) => out.chunk(before.clone(), chunk.range),
            None => out.text(chunk.range),
        }
    }
    let patch = out.finish();
    let size: usize = patch
        .pieces
        .iter()
        .map(|piece| match piece {
            Piece::Copy { .. } => 16,
            Piece::Text(text) => text.len() + 4,
        })
        .sum();
    ((size as f64) < new.len() as f64 * WORTH_SENDING).then_some(patch)
}

#[derive(Debug, Clone)]
struct Chunk<'a> {
    /// The key of the tag opening the chunk; empty for the text before the first.
    key: &'a [u8],
    range: std::ops::Range<usize>,
}

/// Cuts `text` at the `<` of every tag that carries a `data-key`.
fn chunks(text: &str) -> Vec<Chunk<'_>> {
    let bytes = text.as_bytes();
    let mut cuts: Vec<(usize, &[u8])> = Vec::new();
    let mut last = 0;
    for at in memmem::find_iter(bytes, KEY_ATTRIBUTE) {
        let Some(open) = memchr::memrchr(b'<', &bytes[last..at]).map(|i| last + i) else {
            continue;
        };
        if bytes[open..at].contains(&b'>') {
            continue; // the attribute is text, not inside a tag
        }
        let key_start = at + KEY_ATTRIBUTE.len();
        let key_end = bytes[key_start..]
            .iter()
            .take(MAX_KEY_BYTES)
            .position(|b| matches!(b, b' ' | b'>' | b'\t' | b'\n'))
            .map_or((key_start + MAX_KEY_BYTES).min(bytes.len()), |i| key_start + i);
        cuts.push((open, &bytes[key_start..key_end]));
        last = key_end;
    }
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    let mut key: &[u8] = b"";
    for (cut, next_key) in cuts {
        out.push(Chunk { key, range: start..cut });
        start = cut;
        key = next_key;
    }
    out.push(Chunk { key, range: start..text.len() });
    out
}

/// Collects pieces, merging neighbours, with offsets in bytes until the end.
struct Builder<'a> {
    old: &'a str,
    new: &'a str,
    /// Copies as byte ranges of `old`, texts as byte ranges of `new`.
    pieces: Vec<BytePiece>,
    /// The tags of the chunks being compared, kept for the next chunk.
    old_tags: Vec<std::ops::Range<usize>>,
    new_tags: Vec<std::ops::Range<usize>>,
}

#[derive(Debug, Clone)]
enum BytePiece {
    Copy(std::ops::Range<usize>),
    Text(std::ops::Range<usize>),
}

impl<'a> Builder<'a> {
    fn new(old: &'a str, new: &'a str) -> Builder<'a> {
        Builder { old, new, pieces: Vec::new(), old_tags: Vec::new(), new_tags: Vec::new() }
    }

    fn copy(&mut self, range: std::ops::Range<usize>) {
        self.push(BytePiece::Copy(range));
    }

    fn text(&mut self, range: std::ops::Range<usize>) {
        self.push(BytePiece::Text(range));
    }

    /// Adds a piece, extending the last one instead when it is of the same
    /// kind and ends where this one starts; empty pieces are dropped.
    fn push(&mut self, piece: BytePiece) {
        let (BytePiece::Copy(range) | BytePiece::Text(range)) = &piece;
        if range.is_empty() {
            return;
        }
        match (self.pieces.last_mut(), &piece) {
            (Some(BytePiece::Copy(last)), BytePiece::Copy(range))
            | (Some(BytePiece::Text(last)), BytePiece::Text(range))
                if last.end == range.start =>
            {
                last.end = range.end;
            }
            _ => self.pieces.push(piece),
        }
    }

    /// A chunk of `new` that replaces a chunk of `old` with the same key.
    fn chunk(&mut self, old: std::ops::Range<usize>, new: std::ops::Range<usize>) {
        let (a, b) = (&self.old[old.clone()], &self.new[new.clone()]);
        if a == b {
            return self.copy(old);
        }
        // Most changed rows differ in one cell (a rank after a move): when
        // what differs holds no tag on either side, it lies in one tag's
        // text, and copying the common start and end is what comparing tag
        // by tag would give, without cutting the chunks into tags.
        let (prefix, suffix) = common_ends(a, b);
        let has_tag =
            |text: &str| memchr::memchr(b'<', &text.as_bytes()[prefix..text.len() - suffix]);
        if has_tag(a).is_none() && has_tag(b).is_none() {
            return self.ends(old, new, prefix, suffix);
        }
        tags(a, &mut self.old_tags);
        tags(b, &mut self.new_tags);
        if self.old_tags.len() != self.new_tags.len() {
            return self.ends(old, new, prefix, suffix);
        }
        // The same structure with some contents changed: compare tag by tag.
        for i in 0..self.old_tags.len() {
            let (x, y) = (self.old_tags[i].clone(), self.new_tags[i].clone());
            let x = old.start + x.start..old.start + x.end;
            let y = new.start + y.start..new.start + y.end;
            self.changed(x, y);
        }
    }

    /// Copies the common start and end of two ranges, and the middle as text.
    fn changed(&mut self, old: std::ops::Range<usize>, new: std::ops::Range<usize>) {
        let (prefix, suffix) = common_ends(&self.old[old.clone()], &self.new[new.clone()]);
        self.ends(old, new, prefix, suffix);
    }

    /// Copies `prefix` bytes from the start and `suffix` from the end of
    /// `old`, with the middle of `new` as text.
    fn ends(
        &mut self,
        old: std::ops::Range<usize>,
        new: std::ops::Range<usize>,
        prefix: usize,
        suffix: usize,
    ) {
        self.copy(old.start..old.start + prefix);
        self.text(new.start + prefix..new.end - suffix);
        self.copy(old.end - suffix..old.end);
    }

    fn finish(self) -> Patch {
        let units = Utf16Offsets::new(self.old);
        let pieces = self
            .pieces
            .into_iter()
            .map(|piece| match piece {
                BytePiece::Copy(range) => {
                    let start = units.to_unit(range.start);
                    Piece::Copy { start, len: units.to_unit(range.end) - start }
                }
                BytePiece::Text(range) => Piece::Text(self.new[range].to_owned()),
            })
            .collect();
        Patch { pieces, length: utf16_len(self.new), check: 0 }
    }
}

/// Cuts a chunk at every `<` into `out`: a tag with the text after it.
fn tags(text: &str, out: &mut Vec<std::ops::Range<usize>>) {
    out.clear();
    let mut start = 0;
    for at in memchr::memchr_iter(b'<', text.as_bytes()) {
        if at > start {
            out.push(start..at);
        }
        start = at;
    }
    out.push(start..text.len());
}

/// The bytes two texts share at the start and, after that, at the end,
/// both cut back to character boundaries.
fn common_ends(a: &str, b: &str) -> (usize, usize) {
    let mut prefix = common_prefix(a.as_bytes(), b.as_bytes());
    while !a.is_char_boundary(prefix) || !b.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let (a_rest, b_rest) = (&a.as_bytes()[prefix..], &b.as_bytes()[prefix..]);
    let mut suffix = common_suffix(a_rest, b_rest);
    while !a.is_char_boundary(a.len() - suffix) || !b.is_char_boundary(b.len() - suffix) {
        suffix -= 1;
    }
    (prefix, suffix)
}

/// Compared a block at a time (one `memcmp`), then byte by byte.
const BLOCK: usize = 16;

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a_end, b_end) = (a.len(), b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[a_end - i - BLOCK..a_end - i] == b[b_end - i - BLOCK..b_end - i] {
        i += BLOCK;
    }
    while i < n && a[a_end - i - 1] == b[b_end - i - 1] {
        i += 1;
    }
    i
}

/// 32-bit FNV-1a over the text's UTF-16 code units: what a browser can
/// compute on a string cheaply, to catch a patch applied to the wrong text.
pub fn checksum(text: &str) -> u32 {
    text.encode_utf16()
        .fold(0x811c_9dc5_u32, |hash, unit| (hash ^ u32::from(unit)).wrapping_mul(0x0100_0193))
}

fn utf16_len(text: &str) -> usize {
    if text.is_ascii() { text.len() } else { text.chars().map(char::len_utf16).sum() }
}

/// Converts between byte offsets and UTF-16 offsets of one text.
struct Utf16Offsets<'a> {
    text: &'a str,
    /// For every character longer in UTF-8 than in UTF-16: the byte offset
    /// just after it and how many bytes more than units the text has there.
    steps: Vec<(usize, usize)>,
}

impl<'a> Utf16Offsets<'a> {
    fn new(text: &'a str) -> Utf16Offsets<'a> {
        let mut steps = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0;
            for (at, c) in text.char_indices() {
                if c.len_utf8() > c.len_utf16() {
                    extra += c.len_utf8() - c.len_utf16();
                    steps.push((at + c.len_utf8(), extra));
                }
            }
        }
        Utf16Offsets { text, steps }
    }

    /// The UTF-16 offset of a byte offset on a character boundary.
    fn to_unit(&self, byte: usize) -> usize {
        let passed = self.steps.partition_point(|(end, _)| *end <= byte);
        byte - passed.checked_sub(1).map_or(0, |i| self.steps[i].1)
    }

    /// The byte offset of a UTF-16 offset, if it falls on a character
    /// boundary within the text.
    fn to_byte(&self, unit: usize) -> Option<usize> {
        // Steps are ordered by both byte and unit offset.
        let passed = self.steps.partition_point(|(end, extra)| end - extra <= unit);
        let byte = unit + passed.checked_sub(1).map_or(0, |i| self.steps[i].1);
        (byte <= self.text.len() && self.text.is_char_boundary(byte)).then_some(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, rank: u32, name: &str, short: &str) -> String {
        format!(
            "<tr data-key=\"{key}\"><td class=\"rank\">{rank}</td><td class=\"name\">{name}</td>\
             <td class=\"estimate\">3w</td><td class=\"shortfall\">{short}</td></tr>"
        )
    }

    fn table(rows: &[(&str, &str)]) -> String {
        let mut html = String::from("<table id=\"work\"><caption>Work</caption><tbody>");
        for (rank, (key, name)) in rows.iter().enumerate() {
            html.push_str(&row(key, rank as u32 + 1, name, ""));
        }
        html.push_str("</tbody></table>");
        html
    }

    /// Keys `item-0`.. and names `{name} 0`.. for `n` rows.
    fn numbered(n: usize, name: &str) -> (Vec<String>, Vec<String>) {
        (
            (0..n).map(|i| format!("item-{i}")).collect(),
            (0..n).map(|i| format!("{name} {i}")).collect(),
        )
    }

    fn pairs<'a>(keys: &'a [String], names: &'a [String]) -> Vec<(&'a str, &'a str)> {
        keys.iter().map(String::as_str).zip(names.iter().map(String::as_str)).collect()
    }

    fn round_trip(old: &str, new: &str) -> Option<Patch> {
        let patch = diff(old, new)?;
        assert_eq!(patch.apply(old).as_deref(), Ok(new), "{old:?} -> {new:?}");
        let json: serde_json::Value = serde_json::from_str(&patch.pieces_json()).unwrap();
        assert_eq!(Patch::from_json(&json, patch.length, patch.check).as_ref(), Some(&patch));
        Some(patch)
    }

    #[test]
    fn a_moved_row_costs_its_own_text_and_the_changed_ranks() {
        let (keys, names) = numbered(200, "Item number");
        let rows = pairs(&keys, &names);
        let old = table(&rows);
        let mut moved = rows.clone();
        let item = moved.remove(150);
        moved.insert(0, item);
        let new = table(&moved);
        let patch = round_trip(&old, &new).expect("a patch is worth sending");
        let size = patch.pieces_json().len();
        // 151 ranks change: a few bytes each, far below the whole table.
        assert!(size < new.len() / 5, "patch {size} bytes for a table of {}", new.len());
    }

    /// The texts of a patch, in order.
    fn texts(patch: &Patch) -> Vec<&str> {
        patch
            .pieces
            .iter()
            .filter_map(|piece| match piece {
                Piece::Text(text) => Some(text.as_str()),
                Piece::Copy { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_changed_cell_is_sent_alone_and_two_changed_cells_apart() {
        let rows = |b: (u32, &str), c: (u32, &str)| {
            let mut html = String::from("<table><tbody>");
            html.push_str(&row("a", 1, "Alpha", ""));
            html.push_str(&row("b", b.0, "Beta", b.1));
            html.push_str(&row("c", c.0, "Gamma <i>g</i>", c.1));
            html.push_str(&row("d", 4, "Delta", ""));
            html.push_str("</tbody></table>");
            html
        };
        let old = rows((2, ""), (3, ""));
        // One cell of one row, one of another: each is only its changed text.
        let new = rows((12, ""), (3, "Web"));
        let patch = round_trip(&old, &new).unwrap();
        assert_eq!(texts(&patch), ["1", "Web"]);
        // Two cells of one row: two texts, not one from the first to the last.
        let new = rows((2, ""), (13, "QA by 2w"));
        let patch = round_trip(&old, &new).unwrap();
        assert_eq!(texts(&patch), ["1", "QA by 2w"]);
        // A tag added inside a cell: the row's structure changed, and what
        // differs goes as one text (as long as what was added).
        let new = rows((2, "<b>Web</b>"), (3, ""));
        let patch = round_trip(&old, &new).unwrap();
        assert_eq!(texts(&patch).concat().len(), "<b>Web</b>".len());
        // A character cut in two by the common start is not split.
        let new = rows((2, "é"), (3, "è"));
        let old_accents = rows((2, "ê"), (3, "è"));
        let patch = round_trip(&old_accents, &new).unwrap();
        assert_eq!(texts(&patch), ["é"]);
    }

    #[test]
    fn common_ends_match_a_byte_by_byte_count_across_blocks() {
        let naive = |a: &str, b: &str| {
            let prefix = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
            let (a, b) = (&a[prefix..], &b[prefix..]);
            (prefix, a.bytes().rev().zip(b.bytes().rev()).take_while(|(x, y)| x == y).count())
        };
        let base: String = (0..50).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 50] {
            let a = &base[..len];
            for at in 0..len {
                let mut b = a.to_owned();
                b.replace_range(at..at + 1, "#");
                assert_eq!(common_ends(a, &b), naive(a, &b), "{a:?} {b:?}");
                let longer = format!("{}XYZ{}", &a[..at], &a[at..]);
                assert_eq!(common_ends(a, &longer), naive(a, &longer), "{a:?} {longer:?}");
            }
            assert_eq!(common_ends(a, a), (len, 0));
        }
    }

    #[test]
    fn a_large_text_gets_the_same_checksum_beside_the_diff() {
        let (keys, names) = numbered(3000, "Item número 😀");
        let rows = pairs(&keys, &names);
        let old = table(&rows);
        let mut moved = rows.clone();
        let item = moved.remove(2500);
        moved.insert(10, item);
        let new = table(&moved);
        assert!(new.len() >= PARALLEL_CHECKSUM_BYTES, "{} bytes", new.len());
        let patch = round_trip(&old, &new).expect("a patch is worth sending");
        assert_eq!(patch.check, checksum(&new));
        assert_eq!(round_trip(&new, &new).map(|p| p.check), Some(checksum(&new)));
    }

    #[test]
    fn unchanged_text_is_one_copy() {
        let old = table(&[("a", "A"), ("b", "B")]);
        let patch = round_trip(&old, &old).unwrap();
        assert_eq!(patch.pieces, [Piece::Copy { start: 0, len: old.len() }]);
    }

    #[test]
    fn offsets_count_utf16_units() {
        // é is 2 bytes and 1 unit; 😀 is 4 bytes and 2 units.
        let old = table(&[("a", "Café 😀 plan"), ("b", "Zürich"), ("c", "naïve")]);
        let new = table(&[("a", "Café 😀 plan"), ("b", "Zürich 🚀"), ("c", "naïve")]);
        let patch = round_trip(&old, &new).unwrap();
        let units: Vec<u16> = old.encode_utf16().collect();
        let mut rebuilt = Vec::new();
        for piece in &patch.pieces {
            match piece {
                Piece::Copy { start, len } => {
                    rebuilt.extend_from_slice(&units[*start..start + len])
                }
                Piece::Text(text) => rebuilt.extend(text.encode_utf16()),
            }
        }
        assert_eq!(String::from_utf16(&rebuilt).unwrap(), new);
        assert_eq!(patch.length, new.encode_utf16().count());
    }

    #[test]
    fn a_patch_that_saves_little_is_not_offered() {
        assert_eq!(diff("<p>one</p>", "<div>something else entirely</div>"), None);
        assert_eq!(diff("", ""), None);
        let old = table(&[("a", "A")]);
        assert_eq!(diff(&old, ""), None);
    }

    #[test]
    fn keys_in_text_and_unkeyed_html_still_round_trip() {
        let old = "<p>data-key=\"x\" is text</p><ul><li data-key=k1>one</li><li data-key=k2>two</li></ul>"
            .repeat(20);
        let new = old.replacen("two", "deux", 3).replace("<p>", "<p class=\"n\">");
        round_trip(&old, &new);
        // Keys that repeat and quotes escaped as in JSON text.
        let mut rows = vec![("x", "1"), ("x", "2"), ("y", "3")];
        rows.extend(std::iter::repeat_n(("z", "same"), 40));
        let json_old = serde_json::to_string(&table(&rows)).unwrap();
        rows.swap(0, 2);
        let json_new = serde_json::to_string(&table(&rows)).unwrap();
        let patch = diff(&json_old, &json_new).expect("most rows are unchanged");
        assert_eq!(patch.apply(&json_old).as_deref(), Ok(json_new.as_str()));
    }

    #[test]
    fn random_edits_round_trip() {
        // A small deterministic generator: edits of every kind at random places.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let words = ["Ω", "a", "<b>", "é", "🚀", "data-key=", "\"", ">", "<", " ", "42", "\\\""];
        let keys: Vec<String> = (0..60).map(|i| format!("k{i}")).collect();
        let mut rows: Vec<(String, String)> =
            keys.iter().map(|k| (k.clone(), format!("name {k}"))).collect();
        let mut patched = 0;
        for _ in 0..300 {
            let view = |rows: &[(String, String)]| {
                let pairs: Vec<(&str, &str)> =
                    rows.iter().map(|(k, n)| (k.as_str(), n.as_str())).collect();
                table(&pairs)
            };
            let old = view(&rows);
            for _ in 0..=next(4) {
                let at = next(rows.len());
                match next(4) {
                    0 => {
                        let row = rows.remove(at);
                        rows.insert(next(rows.len() + 1), row);
                    }
                    1 => rows[at].1.push_str(words[next(words.len())]),
                    2 => rows[at].1 = words[next(words.len())].repeat(next(3)),
                    _ => rows.insert(at, (format!("n{}", next(1000)), words[next(12)].into())),
                }
            }
            let new = view(&rows);
            if let Some(patch) = diff(&old, &new) {
                assert_eq!(patch.apply(&old).as_deref(), Ok(new.as_str()));
                patched += 1;
            }
        }
        assert!(patched > 250, "only {patched} of 300 edits were worth a patch");
    }

    #[test]
    fn checksum_is_fnv1a_over_utf16_units() {
        assert_eq!(checksum(""), 0x811c_9dc5);
        // FNV-1a of the single unit 0x61 ('a'), as in JavaScript.
        assert_eq!(checksum("a"), 0xe40c_292c);
        assert_ne!(checksum("ab"), checksum("ba"));
        // A character outside the BMP counts as its two surrogates.
        assert_eq!(checksum("😀"), 0xcb31_c4b8);
    }

    #[test]
    fn malformed_pieces_are_refused() {
        for bad in
            ["{}", "[1]", "[[1]]", "[[1,2,3]]", "[[-1,2]]", "[[1.5,2]]", "[null]", "[[\"a\",1]]"]
        {
            let json: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert_eq!(Patch::from_json(&json, 0, 0), None, "{bad}");
        }
        // An offset that goes back past the start, or that no text reaches.
        for bad in ["[[2,1],[-4,1]]", "[[18446744073709551615,1]]", "[[1,18446744073709551615]]"] {
            let json: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert_eq!(Patch::from_json(&json, 0, 0), None, "{bad}");
        }
        let far: serde_json::Value = serde_json::from_str("[[9007199254740991, 1]]").unwrap();
        let patch = Patch::from_json(&far, 1, 0).unwrap();
        assert_eq!(patch.apply("abc"), Err(PatchError::OutOfRange));
    }

    #[test]
    fn copies_are_sent_relative_to_the_end_of_the_previous_copy() {
        let pieces = vec![
            Piece::Copy { start: 3, len: 3 },
            Piece::Text("-".into()),
            Piece::Copy { start: 0, len: 3 },
            Piece::Copy { start: 3, len: 1 },
        ];
        let patch = Patch { length: 8, check: checksum("def-abcd"), pieces: pieces.clone() };
        assert_eq!(patch.pieces_json(), r#"[[3,3],"-",[-6,3],[0,1]]"#);
        let json: serde_json::Value = serde_json::from_str(&patch.pieces_json()).unwrap();
        let read = Patch::from_json(&json, 8, patch.check).unwrap();
        assert_eq!(read.pieces, pieces);
        assert_eq!(read.apply("abcdef").as_deref(), Ok("def-abcd"));
    }

    #[test]
    fn a_patch_for_another_text_is_refused() {
        let old = table(&[("a", "A"), ("b", "B"), ("c", "C")]);
        let new = table(&[("a", "A"), ("b", "Bee"), ("c", "C")]);
        let patch = diff(&old, &new).unwrap();
        assert_eq!(patch.apply("short"), Err(PatchError::OutOfRange));
        // Same length, other text: the checksum tells.
        let other = old.replace("A", "Z");
        assert_eq!(patch.apply(&other), Err(PatchError::Checksum));
        let cut = &old[..old.len() - 10];
        assert!(patch.apply(cut).is_err());
    }
}
