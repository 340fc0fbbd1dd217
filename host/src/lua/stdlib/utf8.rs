//! The `utf8` library (missing from piccolo 0.3.3), as Lua 5.4.4 has it:
//! `char`, `charpattern`, `codepoint`, `len`, `offset` and `codes`.
//!
//! Strings are bytes; these functions decode them as Lua does, which
//! accepts the old 5- and 6-byte forms up to `0x7FFFFFFF`. Strict
//! functions (the default) refuse surrogates and code points above
//! `0x10FFFF`; a true `lax` argument accepts them.

use piccolo::{Callback, CallbackReturn, Context, Execution, Stack, Table, Value};

use super::args::{
    Args, Body, CallResult, Failure, MAX_RESULTS, charge, charge_bytes, library, new_string,
    to_integer,
};

/// The largest code point `char` encodes and lax decoding accepts.
const MAX_UTF: u32 = 0x7FFF_FFFF;

/// The largest Unicode code point.
const MAX_UNICODE: u32 = 0x10_FFFF;

/// Lua's `utf8.charpattern`: one UTF-8 sequence, for `string` patterns.
const CHAR_PATTERN: &[u8] = b"[\0-\x7F\xC2-\xFD][\x80-\xBF]*";

const INVALID: &str = "invalid UTF-8 code";

/// Creates the `utf8` table.
pub fn load_utf8(ctx: Context<'_>) {
    let utf8 = Table::new(&ctx);
    let functions: [(&str, Body); 5] = [
        ("char", char),
        ("codepoint", codepoint),
        ("len", len),
        ("offset", offset),
        ("codes", codes),
    ];
    for (name, body) in functions {
        let _ = utf8.set(ctx, name, library(ctx, body));
    }
    let _ = utf8.set(ctx, "charpattern", Value::String(ctx.intern(CHAR_PATTERN)));
    let _ = ctx.set_global("utf8", utf8);
}

/* ---------- encoding and decoding ---------- */

/// Appends `code` (at most [`MAX_UTF`]) in UTF-8, with the 5- and 6-byte
/// forms Lua uses above `0x1FFFFF` (Lua's `luaO_utf8esc`).
fn encode(out: &mut Vec<u8>, code: u32) {
    if code < 0x80 {
        out.push(code as u8);
        return;
    }
    let mut tail = [0u8; 6];
    let mut count = 0;
    let mut rest = code;
    // The most the first byte can hold: one bit less per continuation byte.
    let mut first_max = 0x3f;
    loop {
        tail[count] = 0x80 | (rest & 0x3f) as u8;
        count += 1;
        rest >>= 6;
        first_max >>= 1;
        if rest <= first_max {
            break;
        }
    }
    out.push(((!first_max << 1) | rest) as u8);
    out.extend(tail[..count].iter().rev());
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// Whether the byte at `at` is a continuation byte (past the end is not:
/// Lua sees the terminating zero there).
fn continuation_at(s: &[u8], at: usize) -> bool {
    s.get(at).is_some_and(|&b| is_continuation(b))
}

/// Decodes the sequence starting at `at`: its code point and the position
/// after it, or `None` for an invalid sequence (Lua's `utf8_decode`).
fn decode(s: &[u8], at: usize, strict: bool) -> Option<(u32, usize)> {
    // The smallest code point for each count of continuation bytes; a
    // lead byte with none (0x80..0xBF) is always invalid.
    const LIMITS: [u32; 6] = [u32::MAX, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    let first = *s.get(at)?;
    let mut code = u32::from(first);
    let mut end = at + 1;
    if first >= 0x80 {
        let mut lead = u32::from(first);
        let mut count = 0;
        code = 0;
        while lead & 0x40 != 0 {
            count += 1;
            let next = *s.get(at + count).filter(|&&b| is_continuation(b))?;
            code = (code << 6) | u32::from(next & 0x3f);
            lead <<= 1;
        }
        if count > 5 {
            return None;
        }
        code |= (lead & 0x7f) << (count * 5);
        if code > MAX_UTF || code < LIMITS[count] {
            return None;
        }
        end = at + count + 1;
    }
    if strict && (code > MAX_UNICODE || (0xD800..=0xDFFF).contains(&code)) {
        return None;
    }
    Some((code, end))
}

/// Lua's `u_posrelat`: a negative position counts from the end (0 when
/// before the start).
fn relative(pos: i64, len: usize) -> i64 {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    match pos {
        0.. => pos,
        _ if pos.unsigned_abs() > len as u64 => 0,
        _ => len + pos + 1,
    }
}

/* ---------- functions ---------- */

/// `utf8.char(...)`: the code points as one string.
fn char<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "char");
    let mut out = Vec::new();
    for i in 0..args.len() {
        let code = args.integer(i)? as u64;
        if code > u64::from(MAX_UTF) {
            return Err(args.bad(i, "value out of range"));
        }
        encode(&mut out, code as u32);
    }
    charge(exec, args.len());
    stack.replace(ctx, new_string(ctx, out));
    Ok(CallbackReturn::Return)
}

/// `utf8.codepoint(s [, i [, j [, lax]]])`: the code points of the
/// characters starting in `s[i..=j]` (`j` defaults to `i`).
fn codepoint<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "codepoint");
    let s = args.string(0)?.as_bytes();
    let first = relative(args.opt_integer(1)?.unwrap_or(1), s.len());
    let last = relative(args.opt_integer(2)?.unwrap_or(first), s.len());
    let strict = !args.get(3).to_bool();
    if first < 1 {
        return Err(args.bad(1, "out of bounds"));
    }
    if last > s.len() as i64 {
        return Err(args.bad(2, "out of bounds"));
    }
    if first > last {
        stack.clear();
        return Ok(CallbackReturn::Return);
    }
    if last - first >= i64::from(i32::MAX) {
        return Err(Failure::new("string slice too long"));
    }
    if (last - first) as usize >= MAX_RESULTS {
        return Err(Failure::new("stack overflow (string slice too long)"));
    }
    let (mut at, end) = (first as usize - 1, last as usize);
    let mut codes = Vec::new();
    while at < end {
        let (code, next) = decode(s, at, strict).ok_or_else(|| Failure::new(INVALID))?;
        codes.push(Value::Integer(i64::from(code)));
        at = next;
    }
    charge(exec, codes.len());
    stack.clear();
    stack.extend(codes);
    Ok(CallbackReturn::Return)
}

/// `utf8.len(s [, i [, j [, lax]]])`: how many characters start in
/// `s[i..=j]`, or `nil` and the position of the first invalid byte.
fn len<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "len");
    let s = args.string(0)?.as_bytes();
    let first = relative(args.opt_integer(1)?.unwrap_or(1), s.len());
    let last = relative(args.opt_integer(2)?.unwrap_or(-1), s.len());
    let strict = !args.get(3).to_bool();
    if first < 1 || first - 1 > s.len() as i64 {
        return Err(args.bad(1, "initial position out of bounds"));
    }
    if last > s.len() as i64 {
        return Err(args.bad(2, "final position out of bounds"));
    }
    // 0-based: characters starting at `at..=end` count.
    let (mut at, end) = (first - 1, last - 1);
    let start = at;
    let mut count: i64 = 0;
    while at <= end {
        match decode(s, at as usize, strict) {
            Some((_, next)) => at = next as i64,
            None => {
                charge_bytes(exec, (at - start) as usize);
                stack.clear();
                stack.push_back(Value::Nil);
                stack.push_back(Value::Integer(at + 1));
                return Ok(CallbackReturn::Return);
            }
        }
        count += 1;
    }
    charge_bytes(exec, (at - start).max(0) as usize);
    stack.replace(ctx, count);
    Ok(CallbackReturn::Return)
}

/// `utf8.offset(s, n [, i])`: the position where the `n`-th character
/// counting from position `i` starts (`n = 0`: the character holding
/// byte `i`; negative `n` counts back), or `nil` if there is none.
fn offset<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "offset");
    let s = args.string(0)?.as_bytes();
    let mut n = args.integer(1)?;
    let default = if n >= 0 { 1 } else { s.len() as i64 + 1 };
    let given = relative(args.opt_integer(2)?.unwrap_or(default), s.len());
    if given < 1 || given - 1 > s.len() as i64 {
        return Err(args.bad(2, "position out of bounds"));
    }
    let mut at = (given - 1) as usize;
    let start = at;
    if n == 0 {
        // Back to the start of the character holding byte `at`.
        while at > 0 && continuation_at(s, at) {
            at -= 1;
        }
    } else {
        if continuation_at(s, at) {
            return Err(Failure::new("initial position is a continuation byte"));
        }
        if n < 0 {
            while n < 0 && at > 0 {
                at -= 1;
                while at > 0 && continuation_at(s, at) {
                    at -= 1;
                }
                n += 1;
            }
        } else {
            // The first character is the one at `at`.
            n -= 1;
            while n > 0 && at < s.len() {
                at += 1;
                while continuation_at(s, at) {
                    at += 1;
                }
                n -= 1;
            }
        }
    }
    charge_bytes(exec, at.abs_diff(start));
    let result = if n == 0 { Value::Integer(at as i64 + 1) } else { Value::Nil };
    stack.replace(ctx, result);
    Ok(CallbackReturn::Return)
}

/// `utf8.codes(s [, lax])`: an iterator for `for position, code in ...`.
fn codes<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "codes");
    let strict = !args.get(1).to_bool();
    let s = args.string(0)?;
    let step = if strict { codes_step_strict } else { codes_step_lax };
    let iterator = Callback::from_fn(&ctx, move |ctx, mut exec, stack| {
        step(ctx, &mut exec, stack).map_err(|failure| failure.raise(ctx, &exec))
    });
    stack.clear();
    stack.push_back(Value::Function(iterator.into()));
    stack.push_back(Value::String(s));
    stack.push_back(Value::Integer(0));
    Ok(CallbackReturn::Return)
}

fn codes_step_strict<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    codes_step(ctx, exec, stack, true)
}

fn codes_step_lax<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    codes_step(ctx, exec, stack, false)
}

/// One step of `utf8.codes`: the character after the one at byte
/// `control` (1-based; 0 at the start), as Lua 5.4.4's `iter_aux`.
fn codes_step<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
    strict: bool,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "for iterator");
    let s = args.string(0)?.as_bytes();
    // A negative or huge control value is past the end, as in Lua.
    let mut at = to_integer(args.get(1)).map_or(0, |n| n as u64);
    if at < s.len() as u64 {
        while continuation_at(s, at as usize) {
            at += 1;
        }
    }
    stack.clear();
    if at >= s.len() as u64 {
        return Ok(CallbackReturn::Return);
    }
    let (code, _) = decode(s, at as usize, strict).ok_or_else(|| Failure::new(INVALID))?;
    stack.push_back(Value::Integer(at as i64 + 1));
    stack.push_back(Value::Integer(i64::from(code)));
    Ok(CallbackReturn::Return)
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    fn encoded(code: u32) -> Vec<u8> {
        let mut out = Vec::new();
        encode(&mut out, code);
        out
    }

    #[test]
    fn encodes_as_lua() {
        assert_eq!(encoded(0x41), b"A");
        assert_eq!(encoded(0xE9), "é".as_bytes());
        assert_eq!(encoded(0x20AC), "€".as_bytes());
        assert_eq!(encoded(0x1F600), "😀".as_bytes());
        assert_eq!(encoded(0x7FFF_FFFF), b"\xFD\xBF\xBF\xBF\xBF\xBF");
        for code in [0, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff, 0x200000, 0x7fff_ffff]
        {
            assert_eq!(decode(&encoded(code), 0, false), Some((code, encoded(code).len())));
        }
    }

    #[test]
    fn refuses_bad_sequences() {
        assert_eq!(decode(b"\x80", 0, false), None);
        assert_eq!(decode(b"\xC0\x80", 0, false), None); // overlong
        assert_eq!(decode(b"\xE2\x82", 0, false), None); // cut short
        assert_eq!(decode(b"\xFE\xBF\xBF\xBF\xBF\xBF\xBF", 0, false), None);
        assert_eq!(decode("\u{D7FF}".as_bytes(), 0, true), Some((0xD7FF, 3)));
        assert_eq!(decode(b"\xED\xA0\x80", 0, true), None); // a surrogate
        assert_eq!(decode(b"\xED\xA0\x80", 0, false), Some((0xD800, 3)));
        assert_eq!(decode(b"\xF4\x90\x80\x80", 0, true), None); // above 0x10FFFF
    }
}
