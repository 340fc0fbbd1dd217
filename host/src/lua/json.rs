//! Lua values to and from JSON, for data that leaves or enters the Lua
//! thread (view data, call arguments). Sequences become arrays, other
//! tables objects; integers stay integers. What JSON cannot hold (cycles,
//! functions, non-string keys in objects, NaN) is an error naming where.

use piccolo::{Context, Table, Value};
use serde_json::{Map, Number};

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

/// Converts a Lua value; errors say where in the value the problem is
/// (`items[3].owner`).
pub fn to_json<'gc>(ctx: Context<'gc>, value: Value<'gc>) -> Result<serde_json::Value, String> {
    let mut path = Vec::new();
    convert(ctx, value, &mut path, &mut Vec::new())
}

fn convert<'gc>(
    ctx: Context<'gc>,
    value: Value<'gc>,
    path: &mut Vec<Step<'gc>>,
    open: &mut Vec<Table<'gc>>,
) -> Result<serde_json::Value, String> {
    Ok(match value {
        Value::Nil => serde_json::Value::Null,
        Value::Boolean(b) => serde_json::Value::Bool(b),
        Value::Integer(i) => serde_json::Value::Number(i.into()),
        Value::Number(n) => match Number::from_f64(n) {
            Some(number) => serde_json::Value::Number(number),
            None => return Err(format!("{}: {n} has no JSON form", at(path))),
        },
        Value::String(s) => serde_json::Value::String(s.to_str_lossy().into_owned()),
        Value::Table(table) => {
            if open.contains(&table) {
                return Err(format!("{}: the table contains itself (a cycle)", at(path)));
            }
            if open.len() >= MAX_DEPTH {
                return Err(format!("{}: nested deeper than {MAX_DEPTH} tables", at(path)));
            }
            open.push(table);
            let converted = convert_table(ctx, table, path, open);
            open.pop();
            converted?
        }
        other => {
            return Err(format!(
                "{}: a {} cannot be converted to JSON",
                at(path),
                other.type_name()
            ));
        }
    })
}

fn convert_table<'gc>(
    ctx: Context<'gc>,
    table: Table<'gc>,
    path: &mut Vec<Step<'gc>>,
    open: &mut Vec<Table<'gc>>,
) -> Result<serde_json::Value, String> {
    let length = table.length();
    let count = table.iter().count() as i64;
    if count == length {
        // A sequence 1..n (an empty table counts as an empty array).
        let mut items = Vec::with_capacity(length as usize);
        for index in 1..=length {
            path.push(Step::Index(index));
            let item = convert(ctx, table.get(ctx, index), path, open);
            path.pop();
            items.push(item?);
        }
        return Ok(serde_json::Value::Array(items));
    }
    // Name the smallest offending key, so the message does not depend on
    // the table's internal order.
    let offending = table
        .iter()
        .filter_map(|(key, _)| match key {
            Value::String(_) => None,
            Value::Integer(i) => Some((0, i as f64, i.to_string())),
            Value::Number(n) => Some((0, n, n.to_string())),
            other => Some((1, 0.0, other.type_name().to_owned())),
        })
        .min_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).unwrap_or(std::cmp::Ordering::Equal));
    if let Some((_, _, shown)) = offending {
        let at = at(path);
        return Err(format!(
            "{at}: key {shown} in a table that is not a sequence (JSON object keys are strings)"
        ));
    }
    let mut object = Map::new();
    for (key, value) in table.iter() {
        let Value::String(key) = key else { continue };
        path.push(Step::Key(key));
        let converted = convert(ctx, value, path, open);
        path.pop();
        object.insert(key.to_str_lossy().into_owned(), converted?);
    }
    Ok(serde_json::Value::Object(object))
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
