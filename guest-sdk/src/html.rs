//! Building HTML fragments safely: [`escape_html`] and the [`Html`]
//! builder, which escapes text and attribute values unless the author
//! explicitly asks for [`Html::raw`], refuses tag and attribute names that
//! could smuggle markup, and checks that every element it opens is closed;
//! [`Html::isolated`] and [`isolate`] keep plan data from reordering the
//! renderer's own text around it.

use std::borrow::Cow;
use std::ops::Range;

use crate::RenderError;

/// Escapes text for use in HTML content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    push_escaped(&mut out, text);
    out
}

/// FIRST STRONG ISOLATE: starts text laid out on its own, in the direction
/// of its first strong character.
const FSI: char = '\u{2068}';
/// POP DIRECTIONAL ISOLATE: ends what [`FSI`] started.
const PDI: char = '\u{2069}';

/// `text` in bidi isolation (U+2068 FIRST STRONG ISOLATE ... U+2069 POP
/// DIRECTIONAL ISOLATE), for plan data embedded in a sentence of the
/// renderer's own where markup cannot go: an attribute value such as
/// `title`, or SVG `<text>` and `<title>`. Escaping is still up to the
/// [`Html`] method it is passed to. In HTML text use [`Html::isolated`].
///
/// Without it, a right-to-left override (U+202E) or right-to-left letters
/// in a name reorder the text after the name too: a plan named
/// `U+202E Q3` makes `: 13 weeks` after it read backwards.
///
/// Text that has no character from U+0580 up comes back as it is: every
/// character below that is left-to-right, a number or neutral in the
/// Unicode bidirectional algorithm (the right-to-left scripts, the
/// Arabic digits and every bidi control are above it), so in a
/// left-to-right sentence it cannot reorder anything, and the isolation
/// would only add bytes to names like `Web` or `Zürich`.
///
/// ```
/// use planhost_guest::isolate;
/// assert_eq!(isolate("Web"), "Web");
/// assert_eq!(isolate("\u{202E}Q3"), "\u{2068}\u{202E}Q3\u{2069}");
/// // An isolate control of its own cannot end the isolation early.
/// assert_eq!(isolate("\u{2069}\u{202E}Q3"), "\u{2068}\u{202E}Q3\u{2069}");
/// ```
pub fn isolate(text: &str) -> Cow<'_, str> {
    if !needs_isolation(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 6);
    out.push(FSI);
    // Isolate controls of its own would end this isolation early (a stray
    // PDI) or leave one open past it: left out.
    out.extend(text.chars().filter(|c| !('\u{2066}'..='\u{2069}').contains(c)));
    out.push(PDI);
    Cow::Owned(out)
}

/// Whether `text` has a character from U+0580 up (see [`isolate`]): in
/// UTF-8, a byte from 0xD6 up, as those are the lead bytes of U+0580 and
/// above (continuation bytes are 0x80 to 0xBF, and lead bytes 0xC2 to 0xD5
/// start U+0080 to U+057F).
fn needs_isolation(text: &str) -> bool {
    text.bytes().any(|byte| byte >= 0xD6)
}

fn push_escaped(out: &mut String, text: &str) {
    // Runs of bytes that need no escaping are copied whole. The five
    // escaped characters are ASCII, so every cut is at a char boundary.
    let bytes = text.as_bytes();
    let mut run = 0;
    loop {
        let at = run + unescaped_len(&bytes[run..]);
        push(out, &text[run..at]);
        let Some(&byte) = bytes.get(at) else { return };
        push(out, entity(byte));
        run = at + 1;
    }
}

/// Appends `piece` to `out`, as `push_str` does. Most pieces of a fragment
/// are a few bytes (a tag, an attribute name, a short value); those are
/// moved a word or two at a time here. (`push_str` copies through
/// `memcpy`, which in a wasm guest is `memory.copy`, carried out by a call
/// out of the guest into the runtime: dearer than the bytes it copies.)
#[inline(always)]
#[allow(unsafe_code)]
fn push(out: &mut String, piece: &str) {
    let n = piece.len();
    if n > 16 {
        out.push_str(piece);
        return;
    }
    out.reserve(16);
    // SAFETY: `reserve` left room for 16 more bytes after the string. The
    // moves read only within `piece` (0..8 and n-8..n for 8 <= n <= 16,
    // 0..4 and n-4..n for 4 <= n < 8, single bytes below n under 4) and
    // write the same offsets past the end of the string, within that room;
    // the length then grows by exactly n, so the string's new bytes are
    // those of `piece`, a whole `str`, and it stays UTF-8.
    unsafe {
        let bytes = out.as_mut_vec();
        let len = bytes.len();
        let dst = bytes.as_mut_ptr().add(len);
        let src = piece.as_ptr();
        if n >= 8 {
            dst.cast::<u64>().write_unaligned(src.cast::<u64>().read_unaligned());
            let (dst, src) = (dst.add(n - 8), src.add(n - 8));
            dst.cast::<u64>().write_unaligned(src.cast::<u64>().read_unaligned());
        } else if n >= 4 {
            dst.cast::<u32>().write_unaligned(src.cast::<u32>().read_unaligned());
            let (dst, src) = (dst.add(n - 4), src.add(n - 4));
            dst.cast::<u32>().write_unaligned(src.cast::<u32>().read_unaligned());
        } else if n > 0 {
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
        bytes.set_len(len + n);
    }
}

/// How many bytes at the start of `bytes` need no escaping: eight at a
/// time while none does, then one at a time.
fn unescaped_len(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        if needs_escape(u64::from_le_bytes(chunk.try_into().expect("eight bytes"))) {
            break;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if ESCAPED[usize::from(byte)] {
            break;
        }
        at += 1;
    }
    at
}

/// The bytes [`entity`] replaces.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table
};

/// What an [`ESCAPED`] byte is written as.
fn entity(byte: u8) -> &'static str {
    match byte {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'"' => "&quot;",
        _ => "&#39;",
    }
}

/// Whether any of the eight bytes of `word` is one of the [`ESCAPED`].
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Some byte of `x` is zero: exact for the word as a whole.
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let has = |byte: u8| has_zero(word ^ (ONES * u64::from(byte)));
    (has(b'&') | has(b'<') | has(b'>') | has(b'"') | has(b'\'')) != 0
}

/// An HTML fragment under construction.
///
/// Methods chain (`html.open("tr", &[]).element("td", &[], "1").close("tr")`)
/// and never fail on the spot: the first mistake is remembered and reported
/// by [`Html::finish`], so a render cannot return half-checked markup.
/// Mistakes are: a tag name that is not ASCII letters, digits and `-`; an
/// attribute name outside `[a-zA-Z0-9-_:]` or naming an event handler
/// (`on...`); a `close` that does not match the innermost open element; an
/// element left open; `open` on a void element such as `br` (use
/// [`Html::void`]) or `void` on one that is not.
///
/// Attribute values are escaped but not otherwise checked: a URL attribute
/// such as `href` built from plan data can still hold a `javascript:` URL
/// (the server's pages do not run one, but a `planhost render` export
/// opened on its own has no such policy).
#[derive(Debug, Default)]
pub struct Html {
    out: String,
    /// Where the name of each open element is in `out`, innermost last
    /// (empty for a name that was refused, and so not written).
    open: Vec<Range<usize>>,
    error: Option<String>,
}

impl Html {
    /// An empty fragment.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty fragment with room for `bytes` of HTML before it has to
    /// grow: for a large fragment whose size can be estimated (say, a few
    /// hundred bytes per row), this saves copying it as it grows.
    pub fn with_capacity(bytes: usize) -> Self {
        Html { out: String::with_capacity(bytes), ..Self::default() }
    }

    /// Writes a start tag, e.g. `open("tr", &[("data-key", "item-7")])`;
    /// attribute values are escaped.
    pub fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let name = self.start_element(tag, attrs);
        self.open.push(name);
        self
    }

    /// Writes the end tag of the innermost open element, which must be `tag`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        match self.open.pop() {
            Some(open) if self.out[open.clone()] == *tag => {}
            Some(open) => {
                let open = &self.out[open];
                let error = format!("close(\"{tag}\") while <{open}> is open");
                self.fail_with(|| error);
            }
            None => self.fail_with(|| format!("close(\"{tag}\") with no element open")),
        }
        if is_tag_name(tag) {
            self.end_tag(tag);
        }
        self
    }

    /// Writes a void element (no content, no end tag), e.g. `void("col", &[])`.
    pub fn void(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        if !is_void(tag) {
            self.fail_with(|| format!("<{tag}> is not a void element: use open() and close()"));
        }
        self.start_tag(tag, attrs);
        self
    }

    /// Writes a whole element holding escaped `text`:
    /// `element("td", &[("class", "name")], name)`.
    pub fn element(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        // open, text and close, without the open-element stack: the end
        // tag matches by construction.
        let name = self.start_element(tag, attrs);
        push_escaped(&mut self.out, text);
        if !name.is_empty() {
            self.end_tag(tag);
        }
        self
    }

    /// Writes escaped text: `<`, `>`, `&` and quotes cannot start markup.
    pub fn text(&mut self, text: &str) -> &mut Self {
        push_escaped(&mut self.out, text);
        self
    }

    /// Writes escaped `text` in bidi isolation, as `<bdi>text</bdi>`: for
    /// plan data inside a sentence of the renderer's own, such as a caption
    /// `<bdi>Q3</bdi>: 13 weeks`, so that right-to-left text or bidi
    /// controls in the data cannot reorder the words around it. Text that
    /// cannot reorder anything is written without the element (see
    /// [`isolate`]). An element that holds only the data (a table cell
    /// with a name) needs none of this: it is a paragraph of its own.
    pub fn isolated(&mut self, text: &str) -> &mut Self {
        if needs_isolation(text) {
            push(&mut self.out, "<bdi>");
            push_escaped(&mut self.out, text);
            push(&mut self.out, "</bdi>");
        } else {
            push_escaped(&mut self.out, text);
        }
        self
    }

    /// Writes `html` as it is, **unescaped**. Only for markup the plugin
    /// itself wrote (e.g. a constant `<style>` block); never pass plan data
    /// here.
    pub fn raw(&mut self, html: &str) -> &mut Self {
        self.out.push_str(html);
        self
    }

    /// The fragment, or [`RenderError::Failed`] describing the first mistake
    /// (see [`Html`]).
    pub fn finish(self) -> Result<String, RenderError> {
        if let Some(error) = self.error {
            return Err(RenderError::Failed(format!("building HTML: {error}")));
        }
        if let Some(open) = self.open.last() {
            let open = &self.out[open.clone()];
            return Err(RenderError::Failed(format!("building HTML: <{open}> is never closed")));
        }
        Ok(self.out)
    }

    /// The start tag of an element with content; returns where its name
    /// is in the output (empty if the name was refused).
    fn start_element(&mut self, tag: &str, attrs: &[(&str, &str)]) -> Range<usize> {
        if is_void(tag) {
            self.fail_with(|| format!("<{tag}> has no content: use void(), not open()"));
        }
        self.start_tag(tag, attrs)
    }

    /// Writes `<tag attrs>`; returns where the name is in the output (empty
    /// if it was refused, and nothing written).
    fn start_tag(&mut self, tag: &str, attrs: &[(&str, &str)]) -> Range<usize> {
        if !is_tag_name(tag) {
            self.fail_with(|| format!("invalid tag name {tag:?}"));
            return 0..0;
        }
        self.out.push('<');
        let name = self.out.len()..self.out.len() + tag.len();
        push(&mut self.out, tag);
        for (name, value) in attrs {
            self.attribute(name, value);
        }
        self.out.push('>');
        name
    }

    fn end_tag(&mut self, tag: &str) {
        push(&mut self.out, "</");
        push(&mut self.out, tag);
        self.out.push('>');
    }

    fn attribute(&mut self, name: &str, value: &str) {
        if !is_attribute_name(name) {
            self.fail_with(|| format!("invalid attribute name {name:?}"));
            return;
        }
        if is_event_handler(name) {
            self.fail_with(|| format!("event handler attribute {name:?} refused"));
            return;
        }
        self.out.push(' ');
        push(&mut self.out, name);
        push(&mut self.out, "=\"");
        push_escaped(&mut self.out, value);
        self.out.push('"');
    }

    /// Remembers the mistake `error` describes if it is the first; out of
    /// line, so the checks that call it stay small.
    #[cold]
    #[inline(never)]
    fn fail_with(&mut self, error: impl FnOnce() -> String) {
        if self.error.is_none() {
            self.error = Some(error());
        }
    }
}

/// Elements that have no content and no end tag, written with
/// [`Html::void`]: `area`, `base`, `br`, `col`, `embed`, `hr`, `img`,
/// `input`, `link`, `meta`, `source`, `track`, `wbr`, in any case.
fn is_void(tag: &str) -> bool {
    // `| 0x20` lowercases ASCII letters and turns no other byte into one.
    let l = |byte: u8| byte | 0x20;
    match *tag.as_bytes() {
        [a, b] => matches!([l(a), l(b)], [b'b' | b'h', b'r']),
        [a, b, c] => matches!(
            [l(a), l(b), l(c)],
            [b'c', b'o', b'l'] | [b'i', b'm', b'g'] | [b'w', b'b', b'r']
        ),
        [a, b, c, d] => matches!(
            [l(a), l(b), l(c), l(d)],
            [b'a', b'r', b'e', b'a']
                | [b'b', b'a', b's', b'e']
                | [b'l', b'i', b'n', b'k']
                | [b'm', b'e', b't', b'a']
        ),
        [a, b, c, d, e] => matches!(
            [l(a), l(b), l(c), l(d), l(e)],
            [b'e', b'm', b'b', b'e', b'd']
                | [b'i', b'n', b'p', b'u', b't']
                | [b't', b'r', b'a', b'c', b'k']
        ),
        [a, b, c, d, e, f] => {
            [l(a), l(b), l(c), l(d), l(e), l(f)] == [b's', b'o', b'u', b'r', b'c', b'e']
        }
        _ => false,
    }
}

/// Which bytes names may hold: [`TAG`] in tag names (ASCII letters, digits
/// and `-`), [`ATTRIBUTE`] in attribute names (those and `_`, `:`).
const NAME_BYTES: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 256 {
        let c = byte as u8;
        if c.is_ascii_alphanumeric() || c == b'-' {
            table[byte] = TAG | ATTRIBUTE;
        } else if c == b'_' || c == b':' {
            table[byte] = ATTRIBUTE;
        }
        byte += 1;
    }
    table
};
const TAG: u8 = 1;
const ATTRIBUTE: u8 = 2;

fn is_tag_name(tag: &str) -> bool {
    tag.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && tag.bytes().all(|c| NAME_BYTES[usize::from(c)] & TAG != 0)
}

fn is_attribute_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| NAME_BYTES[usize::from(c)] & ATTRIBUTE != 0)
}

fn is_event_handler(name: &str) -> bool {
    matches!(*name.as_bytes(), [o, n, ..] if o | 0x20 == b'o' && n | 0x20 == b'n')
}

#[cfg(test)]
mod tests {
    use super::{Html, escape_html, isolate};
    use crate::RenderError;

    #[test]
    fn isolates_text_that_could_reorder_its_sentence() {
        for text in
            ["\u{202E}Q3", "\u{2067}x", "\u{200F}", "עברית", "عربي", "\u{0660}", "a\u{2069}"]
        {
            let without_isolates: String =
                text.chars().filter(|c| !('\u{2066}'..='\u{2069}').contains(c)).collect();
            assert_eq!(isolate(text), format!("\u{2068}{without_isolates}\u{2069}"), "{text:?}");
            let mut html = Html::new();
            html.isolated(text).text(": 13 weeks");
            let expected = format!("<bdi>{}</bdi>: 13 weeks", escape_html(text));
            assert_eq!(html.finish().unwrap(), expected);
        }
        // A stray PDI of its own would close the isolation before the
        // override after it: isolate controls in the text are left out.
        assert_eq!(isolate("\u{2069}\u{202E}Web"), "\u{2068}\u{202E}Web\u{2069}");
        assert_eq!(isolate("a\u{2066}b\u{2069}"), "\u{2068}ab\u{2069}");
        // Escaped inside the isolation, as everywhere else.
        let mut html = Html::new();
        html.isolated("\u{202E}<b>&");
        assert_eq!(html.finish().unwrap(), "<bdi>\u{202E}&lt;b&gt;&amp;</bdi>");
    }

    #[test]
    fn leaves_text_that_cannot_reorder_as_it_is() {
        // Left-to-right letters, digits and neutrals below U+0580.
        for text in ["", "Web", "Zürich", "Ωμέγα", "Ж", "a < b & 'c'", "Հայ", "12.5"] {
            assert_eq!(isolate(text), text, "{text:?}");
            let mut html = Html::new();
            html.isolated(text);
            assert_eq!(html.finish().unwrap(), escape_html(text));
        }
        // Every character below U+0580 is not isolated, every one from
        // U+0580 up is: the byte test matches the character test.
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            let text = c.to_string();
            assert_eq!(isolate(&text) != text, u32::from(c) >= 0x580, "{c:?}");
        }
    }

    fn failure(html: Html) -> String {
        match html.finish() {
            Err(RenderError::Failed(text)) => text,
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<script>alert("x&'y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape_html("plain"), "plain");
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("Zürich & <Bern>é"), "Zürich &amp; &lt;Bern&gt;é");
        assert_eq!(escape_html("\"'"), "&quot;&#39;");
    }

    #[test]
    fn escapes_every_position_of_long_text() {
        let reference = |text: &str| {
            text.chars()
                .map(|c| match c {
                    '&' => "&amp;".to_owned(),
                    '<' => "&lt;".to_owned(),
                    '>' => "&gt;".to_owned(),
                    '"' => "&quot;".to_owned(),
                    '\'' => "&#39;".to_owned(),
                    c => c.to_string(),
                })
                .collect::<String>()
        };
        let pieces = ["a", "&", "<", ">", "\"", "'", "é", "€", "=", "%", "bcdefghij", "0"];
        let mut state = 7u32;
        for length in 0..40 {
            for _ in 0..50 {
                let text: String = (0..length)
                    .map(|_| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        pieces[(state >> 16) as usize % pieces.len()]
                    })
                    .collect();
                assert_eq!(escape_html(&text), reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn pushes_pieces_of_every_length() {
        let text = "aé€𝄞<b>&\"x'yz0123456789abcdefghijklmnopqrstuvwxyz";
        let pieces: Vec<&str> = (0..=text.len())
            .flat_map(|start| (start..=text.len()).map(move |end| (start, end)))
            .filter_map(|(start, end)| text.get(start..end))
            .collect();
        for piece in pieces {
            for prefix in ["", "p", "prefix of 17 byte", "é"] {
                let (mut out, mut expected) = (prefix.to_owned(), prefix.to_owned());
                out.shrink_to_fit();
                super::push(&mut out, piece);
                expected.push_str(piece);
                assert_eq!(out, expected);
            }
        }
    }

    #[test]
    fn void_and_event_handler_checks_match_case_insensitive_comparison() {
        const VOID: [&str; 13] = [
            "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr",
        ];
        let reference = |tag: &[u8]| VOID.iter().any(|v| v.as_bytes().eq_ignore_ascii_case(tag));
        // Every name with one byte replaced by every byte value.
        for name in VOID.iter().chain(&["on", "onx", "td", "th"]) {
            for at in 0..name.len() {
                for byte in 0..=255u8 {
                    let mut bytes = name.as_bytes().to_vec();
                    bytes[at] = byte;
                    let Ok(tag) = std::str::from_utf8(&bytes) else { continue };
                    assert_eq!(super::is_void(tag), reference(&bytes), "{bytes:?}");
                    let handler = bytes.len() >= 2 && bytes[..2].eq_ignore_ascii_case(b"on");
                    assert_eq!(super::is_event_handler(tag), handler, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn void_elements_in_any_case() {
        for tag in ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"] {
            let mut html = Html::new();
            html.void(tag, &[]).void(&tag.to_ascii_uppercase(), &[]);
            assert!(html.finish().is_ok(), "{tag}");
        }
        for tag in ["source", "track", "wbr", "Br"] {
            let mut html = Html::new();
            html.element(tag, &[], "x");
            assert!(failure(html).contains("use void()"), "{tag}");
        }
        for tag in ["b", "brr", "colgroup", "t", "sources", "inputs"] {
            let mut html = Html::new();
            html.void(tag, &[]);
            assert!(failure(html).contains("not a void element"), "{tag}");
        }
    }

    #[test]
    fn builds_nested_elements() {
        let mut html = Html::new();
        html.open("table", &[("id", "t")])
            .open("tr", &[("data-key", "item-1"), ("class", "short")])
            .element("td", &[], "1")
            .void("br", &[])
            .close("tr")
            .close("table");
        assert_eq!(
            html.finish().unwrap(),
            r#"<table id="t"><tr data-key="item-1" class="short"><td>1</td><br></tr></table>"#
        );
    }

    #[test]
    fn escapes_text_and_attribute_values() {
        let mut html = Html::new();
        html.element("td", &[("title", r#"" onclick="x"#)], "<script>alert(1)</script>");
        assert_eq!(
            html.finish().unwrap(),
            r#"<td title="&quot; onclick=&quot;x">&lt;script&gt;alert(1)&lt;/script&gt;</td>"#
        );
    }

    #[test]
    fn raw_is_not_escaped() {
        let mut html = Html::new();
        html.raw("<b>x</b>");
        assert_eq!(html.finish().unwrap(), "<b>x</b>");
    }

    #[test]
    fn refuses_attribute_names_that_inject() {
        for name in ["x onload", "x=\"1\"", "", "a>b", "onclick", "ONLOAD"] {
            let mut html = Html::new();
            html.element("td", &[(name, "v")], "t");
            assert!(failure(html).contains("attribute"), "{name:?} accepted");
        }
        let mut html = Html::new();
        html.element("td", &[("data-skill_1:x", "v")], "t");
        assert_eq!(html.finish().unwrap(), r#"<td data-skill_1:x="v">t</td>"#);
    }

    #[test]
    fn refuses_bad_tags_and_unbalanced_elements() {
        let mut html = Html::new();
        html.open("td x", &[]).close("td x");
        assert!(failure(html).contains("invalid tag name"));

        let mut html = Html::new();
        html.element("td>", &[], "t");
        assert_eq!(failure(html), "building HTML: invalid tag name \"td>\"");

        let mut html = Html::new();
        html.open("table", &[]).open("tr", &[]).element("td", &[], "x").close("table");
        assert_eq!(failure(html), "building HTML: close(\"table\") while <tr> is open");

        let mut html = Html::new();
        html.open("tr", &[]).close("td");
        assert_eq!(failure(html), "building HTML: close(\"td\") while <tr> is open");

        let mut html = Html::new();
        html.close("td");
        assert_eq!(failure(html), "building HTML: close(\"td\") with no element open");

        let mut html = Html::new();
        html.open("table", &[]).open("tr", &[]).close("tr");
        assert_eq!(failure(html), "building HTML: <table> is never closed");

        let mut html = Html::new();
        html.open("br", &[]);
        assert!(failure(html).contains("use void()"));

        let mut html = Html::new();
        html.void("td", &[]);
        assert!(failure(html).contains("not a void element"));
    }
}
