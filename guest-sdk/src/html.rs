//! Building HTML fragments safely: [`escape_html`] and the [`Html`]
//! builder, which escapes text and attribute values unless the author
//! explicitly asks for [`Html::raw`], refuses tag and attribute names that
//! could smuggle markup, and checks that every element it opens is closed.

use crate::RenderError;

/// Elements that have no content and no end tag; written with [`Html::void`].
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Escapes text for use in HTML content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
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
/// such as `href` built from plan data can still hold a `javascript:` URL.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
    open: Vec<String>,
    error: Option<String>,
}

impl Html {
    /// An empty fragment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes a start tag, e.g. `open("tr", &[("data-key", "item-7")])`;
    /// attribute values are escaped.
    pub fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        if is_void(tag) {
            self.fail(format!("<{tag}> has no content: use void(), not open()"));
        }
        self.start_tag(tag, attrs);
        self.open.push(tag.to_owned());
        self
    }

    /// Writes the end tag of the innermost open element, which must be `tag`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        match self.open.pop() {
            Some(open) if open == tag => {}
            Some(open) => self.fail(format!("close(\"{tag}\") while <{open}> is open")),
            None => self.fail(format!("close(\"{tag}\") with no element open")),
        }
        if is_tag_name(tag) {
            self.out.push_str("</");
            self.out.push_str(tag);
            self.out.push('>');
        }
        self
    }

    /// Writes a void element (no content, no end tag), e.g. `void("col", &[])`.
    pub fn void(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        if !is_void(tag) {
            self.fail(format!("<{tag}> is not a void element: use open() and close()"));
        }
        self.start_tag(tag, attrs);
        self
    }

    /// Writes a whole element holding escaped `text`:
    /// `element("td", &[("class", "name")], name)`.
    pub fn element(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// Writes escaped text: `<`, `>`, `&` and quotes cannot start markup.
    pub fn text(&mut self, text: &str) -> &mut Self {
        push_escaped(&mut self.out, text);
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
            return Err(RenderError::Failed(format!("building HTML: <{open}> is never closed")));
        }
        Ok(self.out)
    }

    fn start_tag(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        if !is_tag_name(tag) {
            self.fail(format!("invalid tag name {tag:?}"));
            return;
        }
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.attribute(name, value);
        }
        self.out.push('>');
    }

    fn attribute(&mut self, name: &str, value: &str) {
        if !is_attribute_name(name) {
            self.fail(format!("invalid attribute name {name:?}"));
            return;
        }
        if is_event_handler(name) {
            self.fail(format!("event handler attribute {name:?} refused"));
            return;
        }
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        push_escaped(&mut self.out, value);
        self.out.push('"');
    }

    fn fail(&mut self, error: String) {
        self.error.get_or_insert(error);
    }
}

fn is_void(tag: &str) -> bool {
    VOID_ELEMENTS.iter().any(|void| void.eq_ignore_ascii_case(tag))
}

fn is_tag_name(tag: &str) -> bool {
    tag.starts_with(|c: char| c.is_ascii_alphabetic())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn is_attribute_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c))
}

fn is_event_handler(name: &str) -> bool {
    name.get(..2).is_some_and(|prefix| prefix.eq_ignore_ascii_case("on"))
}

#[cfg(test)]
mod tests {
    use super::{Html, escape_html};
    use crate::RenderError;

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
