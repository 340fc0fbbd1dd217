//! Lua values to and from JSON, for data that leaves or enters the Lua
//! thread (view data, call arguments). Sequences become arrays, other
//! tables objects; integers stay integers. What JSON cannot hold (cycles,
//! functions, non-string keys in objects, NaN) is an error naming where.

use piccolo::{Context, Table, Value};
use serde_json::Number;

/// One step of the way into a value, written out only for an error.
#[derive(Clone, Copy)]
enum Step<'gc> {
    Index(i64),
    Key(piccolo::String<'gc>),
}

/// Where in the value a problem is: `items[3].owner`.
fn at(path: &[Step<'_>]) -> String {
    if path.is_empty() {
        return "the value".to_owned();
    }
    let mut text = String::new();
    for (i, step) in path.iter().enumerate() {
        match step {
            Step::Index(index) => text.push_str(&format!("[{index}]")),
            Step::Key(key) => {
                if i > 0 {
                    text.push('.');
                }
                text.push_str(&key.to_str_lossy());
            }
        }
    }
    text
}

/// Tables nested deeper than this are refused (a guard against runaway
/// structures that are not cycles).
const MAX_DEPTH: usize = 200;

/// Writes a Lua value as JSON text, object keys sorted, without building
/// a JSON tree first (a view of thousands of rows is written once per
/// change). Errors say where in the value the problem is (`items[3].owner`).
pub fn to_json_text(value: Value<'_>) -> Result<String, String> {
    let mut writer = Writer {
        out: Vec::with_capacity(4096),
        path: Vec::new(),
        open: Vec::new(),
        spare: Vec::new(),
    };
    writer.value(value)?;
    // Every piece written is UTF-8: strings go through a lossy conversion.
    String::from_utf8(writer.out).map_err(|e| format!("the value's JSON text: {e}"))
}

struct Writer<'gc> {
    out: Vec<u8>,
    /// Where the writer is, for errors.
    path: Vec<Step<'gc>>,
    /// The tables being written, outermost first, to find cycles.
    open: Vec<Table<'gc>>,
    /// Emptied entry lists, reused by the next tables (a view has thousands).
    spare: Vec<Vec<(Value<'gc>, Value<'gc>)>>,
}

impl<'gc> Writer<'gc> {
    fn value(&mut self, value: Value<'gc>) -> Result<(), String> {
        match value {
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::Boolean(b) => self.out.extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Integer(i) => {
                self.out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes())
            }
            Value::Number(n) => match Number::from_f64(n) {
                Some(number) => self.raw(&number),
                None => return Err(format!("{}: {n} has no JSON form", at(&self.path))),
            },
            Value::String(s) => self.lua_string(s),
            Value::Table(table) => {
                if self.open.contains(&table) {
                    return Err(format!("{}: the table contains itself (a cycle)", at(&self.path)));
                }
                if self.open.len() >= MAX_DEPTH {
                    return Err(format!(
                        "{}: nested deeper than {MAX_DEPTH} tables",
                        at(&self.path)
                    ));
                }
                self.open.push(table);
                let written = self.table(table);
                self.open.pop();
                written?;
            }
            other => {
                return Err(format!(
                    "{}: a {} cannot be converted to JSON",
                    at(&self.path),
                    other.type_name()
                ));
            }
        }
        Ok(())
    }

    fn raw(&mut self, number: &Number) {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.out, number);
    }

    fn string(&mut self, text: &str) {
        let _ = serde_json::to_writer(&mut self.out, text);
    }

    /// A Lua string as a JSON string. Most strings of a view (keys, ids,
    /// names) need no escaping: they are copied as they are, which is what
    /// serde_json writes for them, without its per-string setup (a view
    /// has tens of thousands); the rest take the general path.
    fn lua_string(&mut self, s: piccolo::String<'gc>) {
        let bytes = s.as_bytes();
        let plain = !bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
        if plain && std::str::from_utf8(bytes).is_ok() {
            self.out.reserve(bytes.len() + 2);
            self.out.push(b'"');
            self.out.extend_from_slice(bytes);
            self.out.push(b'"');
        } else {
            self.string(&s.to_str_lossy());
        }
    }

    fn table(&mut self, table: Table<'gc>) -> Result<(), String> {
        // One walk over the table into a reused list.
        let mut entries = self.spare.pop().unwrap_or_default();
        entries.extend(table.iter());
        let written = self.entries(&mut entries);
        entries.clear();
        self.spare.push(entries);
        written
    }

    fn entries(&mut self, entries: &mut [(Value<'gc>, Value<'gc>)]) -> Result<(), String> {
        let count = entries.len();
        // Keys are distinct, so integer keys all within 1..=count are 1..count:
        // a sequence (an empty table counts as an empty array).
        let in_sequence =
            |key: &Value<'gc>| matches!(*key, Value::Integer(i) if i >= 1 && i as usize <= count);
        if entries.iter().all(|(key, _)| in_sequence(key)) {
            entries.sort_unstable_by_key(|(key, _)| match *key {
                Value::Integer(i) => i,
                _ => 0,
            });
            self.out.push(b'[');
            for (index, &(_, value)) in entries.iter().enumerate() {
                if index > 0 {
                    self.out.push(b',');
                }
                self.path.push(Step::Index(index as i64 + 1));
                let written = self.value(value);
                self.path.pop();
                written?;
            }
            self.out.push(b']');
            return Ok(());
        }
        // Name the smallest offending key, so the message does not depend
        // on the table's internal order.
        let offending = entries
            .iter()
            .filter_map(|(key, _)| match *key {
                Value::String(_) => None,
                Value::Integer(i) => Some((0, i as f64, i.to_string())),
                Value::Number(n) => Some((0, n, n.to_string())),
                other => Some((1, 0.0, other.type_name().to_owned())),
            })
            .min_by(|a, b| {
                (a.0, a.1).partial_cmp(&(b.0, b.1)).unwrap_or(std::cmp::Ordering::Equal)
            });
        if let Some((_, _, shown)) = offending {
            return Err(format!(
                "{}: key {shown} in a table that is not a sequence (JSON object keys are strings)",
                at(&self.path)
            ));
        }
        // Every key is a string now.
        let key_bytes = |key: &Value<'gc>| match *key {
            Value::String(key) => key.as_bytes(),
            _ => &[],
        };
        entries.sort_unstable_by(|a, b| key_bytes(&a.0).cmp(key_bytes(&b.0)));
        self.out.push(b'{');
        for (i, &(key, value)) in entries.iter().enumerate() {
            let Value::String(key) = key else { continue };
            if i > 0 {
                self.out.push(b',');
            }
            self.lua_string(key);
            self.out.push(b':');
            self.path.push(Step::Key(key));
            let written = self.value(value);
            self.path.pop();
            written?;
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// Converts JSON into a Lua value: objects and arrays become tables,
/// `null` becomes `nil`.
pub fn from_json<'gc>(ctx: Context<'gc>, value: &serde_json::Value) -> Value<'gc> {
    match value {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(ctx.intern(s.as_bytes())),
        serde_json::Value::Array(items) => {
            let table = Table::new(&ctx);
            for (i, item) in items.iter().enumerate() {
                let _ = table.set(ctx, i as i64 + 1, from_json(ctx, item));
            }
            Value::Table(table)
        }
        serde_json::Value::Object(fields) => {
            let table = Table::new(&ctx);
            for (key, item) in fields {
                let _ = table.set(ctx, ctx.intern(key.as_bytes()), from_json(ctx, item));
            }
            Value::Table(table)
        }
    }
}

#[cfg(test)]
mod tests {
    use piccolo::{Lua, Table, Value};

    use super::to_json_text;

    /// The JSON text of a Lua string made of `bytes`.
    fn string_text(bytes: &[u8]) -> String {
        Lua::core().enter(|ctx| to_json_text(Value::String(ctx.intern(bytes))).unwrap())
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let texts = [
            "",
            "item-12",
            "Checkout: \"fast\" path",
            "back\\slash",
            "tab\there, newline\nthere, bell\u{7}",
            "del\u{7f} stays",
            "naïve café, 東京, emoji 🎉",
            "slash / stays",
            "</script>",
        ];
        for text in texts {
            let expected = serde_json::to_string(text).unwrap();
            assert_eq!(string_text(text.as_bytes()), expected, "{text:?}");
            let parsed: String = serde_json::from_str(&string_text(text.as_bytes())).unwrap();
            assert_eq!(parsed, text);
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_not_copied() {
        let written = string_text(b"ok \xff\xfe end");
        assert_eq!(written, "\"ok \u{fffd}\u{fffd} end\"");
        // A cut multi-byte sequence at the end, with a quote before it.
        let written = string_text(b"q\"\xe6\x9d");
        assert_eq!(written, "\"q\\\"\u{fffd}\"");
    }

    #[test]
    fn integers_and_keys_keep_their_exact_form() {
        let written = Lua::core().enter(|ctx| {
            let table = Table::new(&ctx);
            for (key, value) in [("min", i64::MIN), ("max", i64::MAX), ("zero", 0), ("neg", -42)] {
                table.set(ctx, key, value).unwrap();
            }
            table.set(ctx, "quote\"key", 1.5).unwrap();
            to_json_text(Value::Table(table)).unwrap()
        });
        assert_eq!(
            written,
            format!(
                r#"{{"max":{},"min":{},"neg":-42,"quote\"key":1.5,"zero":0}}"#,
                i64::MAX,
                i64::MIN
            )
        );
    }
}
