//! Typed access to a [`RenderRequest`]: the view's data parsed into a
//! [`crate::model`] type (or any serde type), options by name, and the
//! errors a renderer returns for a request it cannot draw.

use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use crate::{RenderError, RenderRequest};

impl RenderRequest {
    /// A request as the host sends it, e.g. for a plugin's own tests:
    /// `RenderRequest::new("work", r#"{"plan": ...}"#, &[("units", "people")])`.
    pub fn new(view: &str, data: &str, options: &[(&str, &str)]) -> RenderRequest {
        let options = options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        RenderRequest { view: view.to_owned(), data: data.to_owned(), options }
    }

    /// Parses the view's JSON data as `T` (e.g. [`crate::model::WorkView`]).
    ///
    /// On failure the error is [`RenderError::InvalidData`] naming where in
    /// the data serde gave up and why, e.g. ``items[3].rank: invalid type:
    /// string "x", expected a whole number at line 1 column 80``. List
    /// positions count from 1, as in the Lua table the view returned.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, RenderError> {
        // Tracking the path costs as much as the parse itself, and only an
        // error needs it: data that parses is parsed once, untracked; data
        // that does not is parsed again, tracked, to the same error.
        if let Ok(value) = serde_json::from_str(&self.data) {
            return Ok(value);
        }
        let mut json = serde_json::Deserializer::from_str(&self.data);
        let value = serde_path_to_error::deserialize(&mut json).map_err(|e| {
            let path = lua_path(e.path());
            let reason = e.into_inner();
            let text = if path.is_empty() {
                format!("{} view data: {reason}", self.view)
            } else {
                format!("{} view data at {path}: {reason}", self.view)
            };
            RenderError::InvalidData(text)
        })?;
        // Trailing non-whitespace after the value is an error too.
        json.end()
            .map_err(|e| RenderError::InvalidData(format!("{} view data: {e}", self.view)))?;
        Ok(value)
    }

    /// The first value of the option `name`, if the request has it.
    ///
    /// Options come only from `planhost render --option KEY=VALUE`; views
    /// watched in the browser are rendered with none, so each option needs
    /// a default.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The error for a view this renderer does not draw, naming the view.
    pub fn unknown_view(&self) -> RenderError {
        RenderError::UnknownView(self.view.clone())
    }
}

/// Writes a serde path as `items[3].estimates.Web`, counting list positions
/// from 1 like Lua.
fn lua_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{}]", index + 1);
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use crate::{RenderError, RenderRequest};

    fn request(data: &str) -> RenderRequest {
        RenderRequest {
            view: "work".into(),
            data: data.into(),
            options: vec![("units".into(), "people".into()), ("units".into(), "weeks".into())],
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        rank: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Rows {
        items: Vec<Row>,
    }

    fn invalid(result: Result<Rows, RenderError>) -> String {
        match result {
            Err(RenderError::InvalidData(text)) => text,
            other => panic!("expected InvalidData, got {other:?}"),
        }
    }

    #[test]
    fn parses_data() {
        let rows: Rows = request(r#"{"items": [{"rank": 1}]}"#).data().unwrap();
        assert_eq!(rows, Rows { items: vec![Row { rank: 1 }] });
    }

    #[test]
    fn names_the_field_with_lua_positions() {
        let text = invalid(request(r#"{"items": [{"rank": 1}, {"rank": "x"}]}"#).data());
        assert!(text.starts_with("work view data at items[2].rank: invalid type"), "{text}");
    }

    #[test]
    fn names_a_missing_field() {
        let text = invalid(request(r#"{"items": [{"rank": 1}, {}]}"#).data());
        assert!(text.starts_with("work view data at items[2]: missing field `rank`"), "{text}");
        let text = invalid(request("{}").data());
        assert!(text.starts_with("work view data: missing field `items`"), "{text}");
    }

    #[test]
    fn refuses_malformed_json_and_trailing_text() {
        assert_eq!(
            invalid(request("{").data()),
            "work view data at .?: EOF while parsing an object at line 1 column 1"
        );
        assert_eq!(
            invalid(request(r#"{"items": []} x"#).data()),
            "work view data: trailing characters at line 1 column 15"
        );
    }

    #[test]
    fn options_and_unknown_view() {
        let request = request("{}");
        assert_eq!(request.option("units"), Some("people"));
        assert_eq!(request.option("missing"), None);
        assert_eq!(request.unknown_view(), RenderError::UnknownView("work".into()));
    }
}
