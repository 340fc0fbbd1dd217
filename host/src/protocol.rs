//! WebSocket protocol v1: the JSON frames clients send and the frames the
//! server sends back. `docs/PROTOCOL.md` is the human-readable version.

use serde::{Deserialize, Serialize};

/// Longest topic name accepted, in bytes.
pub const MAX_TOPIC_BYTES: usize = 256;

/// A frame a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ClientFrame {
    /// Start receiving a topic; `since` is the last revision the client
    /// holds; with `patches`, updates may come as patch frames.
    Subscribe {
        topic: String,
        since: Option<u64>,
        #[serde(default)]
        patches: bool,
    },
    /// Stop receiving a topic.
    Unsubscribe { topic: String },
}

impl ClientFrame {
    /// Parses a text frame, with an error message fit to send back, and
    /// the topic the error concerns when the frame named one.
    pub fn parse(text: &str) -> Result<ClientFrame, (String, Option<String>)> {
        let frame: ClientFrame =
            serde_json::from_str(text).map_err(|e| (format!("invalid frame: {e}"), None))?;
        let (ClientFrame::Subscribe { topic, .. } | ClientFrame::Unsubscribe { topic }) = &frame;
        check_topic(topic).map_err(|reason| (reason, Some(topic.clone())))?;
        Ok(frame)
    }
}

/// A frame the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerFrame {
    /// A topic's message; `rev` grows with every publish.
    Message { topic: String, rev: u64, data: String },
    /// A topic's message written against message `base`, which the client
    /// was sent last: `pieces` are strings and `[offset, length]` copies of
    /// the base's data (`offset` from the end of the previous copy),
    /// `length` the new data's length (all in UTF-16 units), `check` its
    /// [`crate::patch::checksum`].
    Patch {
        topic: String,
        rev: u64,
        base: u64,
        length: usize,
        check: u32,
        pieces: serde_json::Value,
    },
    /// Something the client sent could not be honoured.
    Error {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        topic: Option<String>,
    },
}

impl ServerFrame {
    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// An error frame, optionally about one topic.
    pub fn error(message: impl Into<String>, topic: Option<&str>) -> ServerFrame {
        ServerFrame::Error { message: message.into(), topic: topic.map(str::to_owned) }
    }
}

/// Checks a topic name: 1 to 256 bytes, no control characters.
pub fn check_topic(topic: &str) -> Result<(), String> {
    if topic.is_empty() {
        return Err("topic must not be empty".into());
    }
    if topic.len() > MAX_TOPIC_BYTES {
        return Err(format!("topic longer than {MAX_TOPIC_BYTES} bytes"));
    }
    if topic.chars().any(char::is_control) {
        return Err("topic must not contain control characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_subscribe_with_and_without_since() {
        assert_eq!(
            ClientFrame::parse(r#"{"type":"subscribe","topic":"a/b","since":7}"#),
            Ok(ClientFrame::Subscribe { topic: "a/b".into(), since: Some(7), patches: false })
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"subscribe","topic":"a"}"#),
            Ok(ClientFrame::Subscribe { topic: "a".into(), since: None, patches: false })
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"subscribe","topic":"a","patches":true}"#),
            Ok(ClientFrame::Subscribe { topic: "a".into(), since: None, patches: true })
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"unsubscribe","topic":"a"}"#),
            Ok(ClientFrame::Unsubscribe { topic: "a".into() })
        );
    }

    #[test]
    fn rejects_bad_frames() {
        for bad in [
            "",
            "null",
            "[]",
            "{}",
            r#"{"type":"publish","topic":"a"}"#,
            r#"{"type":"subscribe"}"#,
            r#"{"type":"subscribe","topic":""}"#,
            r#"{"type":"subscribe","topic":"a","since":-1}"#,
            r#"{"type":"subscribe","topic":"a","since":"x"}"#,
            r#"{"type":"subscribe","topic":"a","patches":1}"#,
            r#"{"type":"subscribe","topic":"a\u0000b"}"#,
            "{\"type\":\"subscribe\",\"topic\":\"a\"",
        ] {
            assert!(ClientFrame::parse(bad).is_err(), "accepted {bad:?}");
        }
        let long = format!(r#"{{"type":"subscribe","topic":"{}"}}"#, "x".repeat(257));
        let (reason, topic) = ClientFrame::parse(&long).unwrap_err();
        assert!(reason.contains("longer than 256"), "{reason}");
        assert_eq!(topic, Some("x".repeat(257)), "the error names the topic it concerns");
        let (_, topic) =
            ClientFrame::parse(r#"{"type":"subscribe","topic":"a","since":-1}"#).unwrap_err();
        assert_eq!(topic, None, "a frame that does not parse names no topic");
    }

    #[test]
    fn message_frame_escapes_data() {
        let frame = ServerFrame::Message { topic: "t".into(), rev: 3, data: "a\"<b>\n".into() };
        let json = frame.to_json();
        assert_eq!(json, r#"{"type":"message","topic":"t","rev":3,"data":"a\"<b>\n"}"#);
        assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), frame);
    }
}
