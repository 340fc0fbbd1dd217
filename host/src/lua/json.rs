//! Lua values to and from JSON, for data that leaves or enters the Lua
//! thread (view data, call arguments). Sequences become arrays, other
//! tables objects; integers stay integers. What JSON cannot hold (cycles,
//! functions, non-string keys in objects, NaN) is an error naming where.

use gc_arena::Gc;
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
        shapes: Vec::new(),
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
    /// Per depth, the keys of the last object written there: the rows of a
    /// view are tables with the same keys.
    shapes: Vec<Shape<'gc>>,
}

/// Keys an object may have for [`Shape::matches`] to try it.
const MAX_SHAPE_KEYS: usize = 32;

/// The string keys of an object in the order they are written (sorted),
/// each one's JSON text with the colon after it, and where each is among
/// the entries of the table being written. A table with the very same key
/// strings (compared by identity, not content; in whatever order its table
/// yields them, which differs from table to table) is written without
/// sorting or escaping its keys again.
#[derive(Default)]
struct Shape<'gc> {
    keys: Vec<piccolo::String<'gc>>,
    /// `"key":` of each of `keys`, as a range of `text`.
    written: Vec<std::ops::Range<usize>>,
    text: Vec<u8>,
    /// For each of `keys`, the index of its entry in the table being written.
    at: Vec<usize>,
}

impl<'gc> Shape<'gc> {
    /// Whether `entries` have exactly these keys; if so, `at` says where.
    /// (Only for objects of a few keys, as rows are: each key is looked
    /// for among all of them, which a view of large maps, written one after
    /// another, would pay for quadratically.)
    fn matches(&mut self, entries: &[(Value<'gc>, Value<'gc>)]) -> bool {
        if self.keys.len() != entries.len() || entries.len() > MAX_SHAPE_KEYS {
            return false;
        }
        for (i, (key, _)) in entries.iter().enumerate() {
            let Value::String(key) = *key else { return false };
            let found =
                self.keys.iter().position(|known| Gc::ptr_eq(known.into_inner(), key.into_inner()));
            match found {
                Some(p) => self.at[p] = i,
                None => return false,
            }
        }
        // (A table's keys are distinct, so as many found are all of them.)
        true
    }

    /// Becomes the shape of `entries`, whose keys are all strings.
    fn learn(&mut self, entries: &[(Value<'gc>, Value<'gc>)]) {
        self.at.clear();
        self.at.extend(0..entries.len());
        let key = |i: usize| match entries[i].0 {
            Value::String(key) => key.as_bytes(),
            _ => &[],
        };
        self.at.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
        self.keys.clear();
        self.written.clear();
        self.text.clear();
        for &i in &self.at {
            let Value::String(key) = entries[i].0 else { continue };
            let start = self.text.len();
            let bytes = key.as_bytes();
            if plain(bytes) {
                self.text.push(b'"');
                self.text.extend_from_slice(bytes);
                self.text.push(b'"');
            } else {
                // Writing into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut self.text, &*key.to_str_lossy());
            }
            self.text.push(b':');
            self.keys.push(key);
            self.written.push(start..self.text.len());
        }
    }
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
        if plain(bytes) {
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
        // An object, keys sorted: with the same key strings as the last
        // object at this depth, that one's order and key texts serve.
        let depth = self.open.len();
        if self.shapes.len() < depth {
            self.shapes.resize_with(depth, Shape::default);
        }
        let mut shape = std::mem::take(&mut self.shapes[depth - 1]);
        if !shape.matches(entries) {
            if let Err(error) = self.string_keys(entries) {
                self.shapes[depth - 1] = shape;
                return Err(error);
            }
            shape.learn(entries);
        }
        let written = self.object(entries, &shape);
        self.shapes[depth - 1] = shape;
        written
    }

    /// An error unless every key is a string.
    fn string_keys(&self, entries: &[(Value<'gc>, Value<'gc>)]) -> Result<(), String> {
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
        match offending {
            Some((_, _, shown)) => Err(format!(
                "{}: key {shown} in a table that is not a sequence (JSON object keys are strings)",
                at(&self.path)
            )),
            None => Ok(()),
        }
    }

    /// The entries of a table with `shape`'s keys, in its order.
    fn object(
        &mut self,
        entries: &[(Value<'gc>, Value<'gc>)],
        shape: &Shape<'gc>,
    ) -> Result<(), String> {
        self.out.push(b'{');
        for (p, &i) in shape.at.iter().enumerate() {
            if p > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(&shape.text[shape.written[p].clone()]);
            self.path.push(Step::Key(shape.keys[p]));
            let written = self.value(entries[i].1);
            self.path.pop();
            written?;
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// Whether `bytes` go into a JSON string as they are: valid UTF-8 without
/// quotes, backslashes or control characters. (ASCII is checked in one
/// pass the compiler vectorises; other text is validated as UTF-8 too.)
fn plain(bytes: &[u8]) -> bool {
    let (ascii, clean) = bytes.iter().fold((true, true), |(ascii, clean), &b| {
        (ascii & (b < 0x80), clean & (b >= 0x20) & (b != b'"') & (b != b'\\'))
    });
    clean && (ascii || std::str::from_utf8(bytes).is_ok())
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
    fn objects_keep_sorted_keys_whether_their_keys_were_seen_before_or_not() {
        // Rows with the same key strings (the shape of the first is reused),
        // rows whose keys differ in the middle of a run, keys that need
        // escaping, and nested objects at the next depth between rows.
        let written = Lua::core().enter(|ctx| {
            let key = |name: &str| ctx.intern(name.as_bytes());
            let rows = Table::new(&ctx);
            for i in 1..=6i64 {
                let row = Table::new(&ctx);
                row.set(ctx, key("rank"), i).unwrap();
                row.set(ctx, key("name"), ctx.intern(format!("item {i}").as_bytes())).unwrap();
                if i == 3 {
                    row.set(ctx, key("odd \"key\""), true).unwrap();
                }
                if i != 5 {
                    let weeks = Table::new(&ctx);
                    weeks.set(ctx, key(if i % 2 == 0 { "Web" } else { "QA" }), i).unwrap();
                    weeks.set(ctx, key("Native"), 2).unwrap();
                    row.set(ctx, key("estimates"), weeks).unwrap();
                }
                rows.set(ctx, i, row).unwrap();
            }
            to_json_text(Value::Table(rows)).unwrap()
        });
        let expected: Vec<String> = (1..=6)
            .map(|i| {
                let weeks = if i % 2 == 0 {
                    format!(r#""estimates":{{"Native":2,"Web":{i}}},"#)
                } else {
                    format!(r#""estimates":{{"Native":2,"QA":{i}}},"#)
                };
                format!(
                    r#"{{{}"name":"item {i}",{}"rank":{i}}}"#,
                    if i == 5 { "" } else { &weeks },
                    if i == 3 { r#""odd \"key\"":true,"# } else { "" },
                )
            })
            .collect();
        assert_eq!(written, format!("[{}]", expected.join(",")));
    }

    #[test]
    fn large_objects_with_the_same_keys_are_written_sorted() {
        // Past the keys a shape is tried for: each object sorts its own.
        let written = Lua::core().enter(|ctx| {
            let maps = Table::new(&ctx);
            for i in 1..=3i64 {
                let map = Table::new(&ctx);
                for k in (0..100i64).rev() {
                    map.set(ctx, ctx.intern(format!("k{k:03}").as_bytes()), k * i).unwrap();
                }
                maps.set(ctx, i, map).unwrap();
            }
            to_json_text(Value::Table(maps)).unwrap()
        });
        let map = |i: i64| {
            let pairs: Vec<String> = (0..100).map(|k| format!("\"k{k:03}\":{}", k * i)).collect();
            format!("{{{}}}", pairs.join(","))
        };
        assert_eq!(written, format!("[{},{},{}]", map(1), map(2), map(3)));
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
