//! Lua 5.4 `string.format` over bytes, plus Lua's number-to-string and string-to-number rules.
//!
//! Output follows C printf as glibc prints it (the reference Lua on Linux).
//!
//! The binding layer turns each Lua argument into a [`FormatArg`]; this
//! module does all conversions itself (`%d` of `"10"` or of `3.0`, `%s` of
//! numbers, booleans and nil), so only tables, functions, userdata and
//! threads need help from the caller (their `tostring` text and type name).

use std::fmt;

/// One argument of `string.format`, as the binding layer sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatArg<'a> {
    Nil,
    Bool(bool),
    Integer(i64),
    Float(f64),
    /// A Lua string (numeric strings are coerced for numeric conversions).
    Str(&'a [u8]),
    /// Any other value (table, function, userdata, thread).
    Other {
        /// Name used in "number expected, got X": the `__name` metafield if
        /// it is a string, else the Lua type name.
        type_name: &'a str,
        /// Result of `__tostring` when the value has one; `None` gives
        /// Lua's default `"<type_name>: 0x<ptr>"`. Only `%s` reads it, see
        /// [`tostring_arg_indices`].
        tostring: Option<&'a [u8]>,
        /// Identity of the value, printed by `%p` and default `tostring`.
        ptr: usize,
    },
}

/// A Lua number, as produced by string coercion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Integer(i64),
    Float(f64),
}

/// A `string.format` error; `Display` gives Lua's message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// "bad argument #N to 'format' (MSG)"; `arg` counts the format
    /// string as argument 1, so `args[i]` is argument `i + 2`.
    BadArgument { arg: usize, msg: String },
    /// "invalid conversion 'FORM' to 'format'"
    InvalidConversion(Vec<u8>),
    /// "invalid conversion specification: 'FORM'"
    InvalidSpecification(Vec<u8>),
    /// "invalid format (too long)"
    TooLong,
    /// "specifier '%q' cannot have modifiers"
    QuoteModifiers,
}

impl FormatError {
    /// The message as bytes (a conversion form may hold non-UTF-8 bytes).
    pub fn message_bytes(&self) -> Vec<u8> {
        let quoted =
            |head: &str, form: &[u8], tail: &str| [head.as_bytes(), form, tail.as_bytes()].concat();
        match self {
            Self::InvalidConversion(form) => quoted("invalid conversion '", form, "' to 'format'"),
            Self::InvalidSpecification(form) => {
                quoted("invalid conversion specification: '", form, "'")
            }
            other => other.to_string().into_bytes(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadArgument { arg, msg } => write!(f, "bad argument #{arg} to 'format' ({msg})"),
            Self::TooLong => f.write_str("invalid format (too long)"),
            Self::QuoteModifiers => f.write_str("specifier '%q' cannot have modifiers"),
            _ => f.write_str(&String::from_utf8_lossy(&self.message_bytes())),
        }
    }
}

impl std::error::Error for FormatError {}

/// Bytes `getformat` spans: flags, digits and the precision dot.
const SPEC_CHARS: &[u8] = b"-+#0 123456789.";
/// Longest accepted span plus conversion (lstrlib's `MAX_FORMAT - 10`).
const MAX_SPEC_LEN: usize = 22;

const FLAGS_FLOAT: &[u8] = b"-+#0 ";
const FLAGS_HEX: &[u8] = b"-#0";
const FLAGS_INT: &[u8] = b"-+0 ";
const FLAGS_UNSIGNED: &[u8] = b"-0";
const FLAGS_CHAR: &[u8] = b"-";

/// Lua 5.4 `string.format(fmt, args...)`.
pub fn format(fmt: &[u8], args: &[FormatArg<'_>]) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(fmt.len());
    let mut i = 0;
    let mut used = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
        } else if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
        } else {
            used += 1;
            let arg_no = used + 1;
            let arg = args.get(used - 1).ok_or_else(|| bad_arg(arg_no, "no value"))?;
            let item = Item::parse(fmt, i)?;
            i = item.next;
            format_item(&mut out, &item, arg, arg_no)?;
        }
    }
    Ok(out)
}

/// 0-based indices of the arguments that `%s` items will convert with
/// `tostring`, so the caller can run `__tostring` for exactly those.
pub fn tostring_arg_indices(fmt: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let (mut i, mut used) = (0, 0);
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            i += 1;
            continue;
        }
        let Ok(item) = Item::parse(fmt, i) else { break };
        if item.conv == b's' {
            found.push(used);
        }
        used += 1;
        i = item.next;
    }
    found
}

fn bad_arg(arg: usize, msg: &str) -> FormatError {
    FormatError::BadArgument { arg, msg: msg.to_string() }
}

/// One conversion item: `form` is `%`, the spec bytes and the conversion.
struct Item {
    form: Vec<u8>,
    conv: u8,
    next: usize,
}

impl Item {
    /// lstrlib's `getformat`; `start` is just after the `%`.
    fn parse(fmt: &[u8], start: usize) -> Result<Item, FormatError> {
        let rest = &fmt[start..];
        let span = rest.iter().take_while(|b| SPEC_CHARS.contains(b)).count();
        if span + 1 >= MAX_SPEC_LEN {
            return Err(FormatError::TooLong);
        }
        let conv = rest.get(span).copied().unwrap_or(0);
        let mut form = Vec::with_capacity(span + 2);
        form.push(b'%');
        form.extend_from_slice(&rest[..span]);
        if conv != 0 {
            form.push(conv);
        }
        Ok(Item { form, conv, next: start + span + 1 })
    }

    /// lstrlib's `checkformat`: flags from `flags`, up to two width
    /// digits (not starting with `0`), then `.` and two precision digits.
    fn check(&self, flags: &[u8], precision: bool) -> Result<Spec, FormatError> {
        let spec = &self.form[1..];
        let at = |k: usize| spec.get(k).copied().unwrap_or(0);
        let mut k = spec.iter().take_while(|b| flags.contains(b)).count();
        if at(k) != b'0' {
            k = skip_2_digits(spec, k);
            if at(k) == b'.' && precision {
                k = skip_2_digits(spec, k + 1);
            }
        }
        if !at(k).is_ascii_alphabetic() {
            return Err(FormatError::InvalidSpecification(self.form.clone()));
        }
        Ok(Spec::parse(spec))
    }
}

fn skip_2_digits(s: &[u8], k: usize) -> usize {
    k + s[k..].iter().take(2).take_while(|b| b.is_ascii_digit()).count()
}

/// Parsed printf flags, width and precision of a checked item.
#[derive(Clone, Copy, Debug, Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

impl Spec {
    fn parse(spec: &[u8]) -> Spec {
        let mut s = Spec::default();
        let mut k = 0;
        while let Some(&c) = spec.get(k) {
            match c {
                b'-' => s.left = true,
                b'+' => s.plus = true,
                b' ' => s.space = true,
                b'#' => s.alt = true,
                b'0' => s.zero = true,
                _ => break,
            }
            k += 1;
        }
        let (width, k) = read_number(spec, k);
        s.width = width;
        if spec.get(k) == Some(&b'.') {
            s.precision = Some(read_number(spec, k + 1).0);
        }
        s
    }

    fn sign(&self, negative: bool) -> &'static [u8] {
        match (negative, self.plus, self.space) {
            (true, _, _) => b"-",
            (false, true, _) => b"+",
            (false, false, true) => b" ",
            _ => b"",
        }
    }
}

fn read_number(s: &[u8], mut k: usize) -> (usize, usize) {
    let mut n = 0;
    while let Some(d) = s.get(k).filter(|b| b.is_ascii_digit()) {
        n = n * 10 + usize::from(d - b'0');
        k += 1;
    }
    (n, k)
}

/// Writes `prefix` + `body` padded to the width: spaces, or zeros after
/// the prefix when `zero_fill`.
fn pad(out: &mut Vec<u8>, spec: &Spec, prefix: &[u8], body: &[u8], zero_fill: bool) {
    let fill = spec.width.saturating_sub(prefix.len() + body.len());
    if spec.left {
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(out.len() + fill, b' ');
    } else if zero_fill {
        out.extend_from_slice(prefix);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
}

fn format_item(
    out: &mut Vec<u8>,
    item: &Item,
    arg: &FormatArg<'_>,
    arg_no: usize,
) -> Result<(), FormatError> {
    match item.conv {
        b'c' => {
            let spec = item.check(FLAGS_CHAR, false)?;
            let n = check_integer(arg, arg_no)?;
            pad(out, &spec, b"", &[n as u8], false);
        }
        b'd' | b'i' => format_int(out, item, arg, arg_no, FLAGS_INT)?,
        b'u' => format_int(out, item, arg, arg_no, FLAGS_UNSIGNED)?,
        b'o' | b'x' | b'X' => format_int(out, item, arg, arg_no, FLAGS_HEX)?,
        b'a' | b'A' => {
            let spec = item.check(FLAGS_FLOAT, true)?;
            let x = check_number(arg, arg_no)?;
            format_float(out, &spec, item.conv, x);
        }
        b'e' | b'E' | b'f' | b'g' | b'G' => {
            let x = check_number(arg, arg_no)?;
            let spec = item.check(FLAGS_FLOAT, true)?;
            format_float(out, &spec, item.conv, x);
        }
        b'p' => format_pointer(out, item, arg)?,
        b'q' => {
            if item.form.len() > 2 {
                return Err(FormatError::QuoteModifiers);
            }
            add_literal(out, arg, arg_no)?;
        }
        b's' => format_string(out, item, arg, arg_no)?,
        _ => return Err(FormatError::InvalidConversion(item.form.clone())),
    }
    Ok(())
}

fn format_int(
    out: &mut Vec<u8>,
    item: &Item,
    arg: &FormatArg<'_>,
    arg_no: usize,
    flags: &[u8],
) -> Result<(), FormatError> {
    let n = check_integer(arg, arg_no)?;
    let spec = item.check(flags, true)?;
    let signed = matches!(item.conv, b'd' | b'i');
    let magnitude = if signed { n.unsigned_abs() } else { n as u64 };
    let mut digits = match item.conv {
        b'o' => format!("{magnitude:o}"),
        b'x' => format!("{magnitude:x}"),
        b'X' => format!("{magnitude:X}"),
        _ => magnitude.to_string(),
    }
    .into_bytes();
    if let Some(p) = spec.precision {
        if p == 0 && magnitude == 0 {
            digits.clear();
        }
        let missing = p.saturating_sub(digits.len());
        digits.splice(0..0, std::iter::repeat_n(b'0', missing));
    }
    if spec.alt && item.conv == b'o' && digits.first() != Some(&b'0') {
        digits.insert(0, b'0');
    }
    let prefix: &[u8] = match item.conv {
        b'x' if spec.alt && magnitude != 0 => b"0x",
        b'X' if spec.alt && magnitude != 0 => b"0X",
        _ if signed => spec.sign(n < 0),
        _ => b"",
    };
    pad(out, &spec, prefix, &digits, spec.zero && spec.precision.is_none());
    Ok(())
}

fn format_string(
    out: &mut Vec<u8>,
    item: &Item,
    arg: &FormatArg<'_>,
    arg_no: usize,
) -> Result<(), FormatError> {
    let text = tostring_bytes(arg);
    if item.form.len() == 2 {
        out.extend_from_slice(&text);
        return Ok(());
    }
    if text.contains(&0) {
        return Err(bad_arg(arg_no, "string contains zeros"));
    }
    let spec = item.check(FLAGS_CHAR, true)?;
    match spec.precision {
        None if text.len() >= 100 => out.extend_from_slice(&text),
        None => pad(out, &spec, b"", &text, false),
        Some(p) => pad(out, &spec, b"", &text[..p.min(text.len())], false),
    }
    Ok(())
}

fn format_pointer(out: &mut Vec<u8>, item: &Item, arg: &FormatArg<'_>) -> Result<(), FormatError> {
    let spec = item.check(FLAGS_CHAR, false)?;
    let ptr = match arg {
        FormatArg::Str(s) => s.as_ptr() as usize,
        FormatArg::Other { ptr, .. } => *ptr,
        _ => 0,
    };
    let body = match ptr {
        0 => b"(null)".to_vec(),
        p => format!("{p:#x}").into_bytes(),
    };
    pad(out, &spec, b"", &body, false);
    Ok(())
}

/// `%q`: a literal Lua can read back.
fn add_literal(out: &mut Vec<u8>, arg: &FormatArg<'_>, arg_no: usize) -> Result<(), FormatError> {
    match arg {
        FormatArg::Str(s) => add_quoted(out, s),
        FormatArg::Integer(i64::MIN) => out.extend_from_slice(b"0x8000000000000000"),
        FormatArg::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        FormatArg::Float(x) => out.extend_from_slice(quote_float(*x).as_bytes()),
        FormatArg::Nil | FormatArg::Bool(_) => out.extend_from_slice(&tostring_bytes(arg)),
        FormatArg::Other { .. } => return Err(bad_arg(arg_no, "value has no literal form")),
    }
    Ok(())
}

fn add_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for (i, &c) in s.iter().enumerate() {
        if matches!(c, b'"' | b'\\' | b'\n') {
            out.extend_from_slice(&[b'\\', c]);
        } else if c.is_ascii_control() {
            let next_is_digit = s.get(i + 1).is_some_and(u8::is_ascii_digit);
            let escaped = if next_is_digit { format!("\\{c:03}") } else { format!("\\{c}") };
            out.extend_from_slice(escaped.as_bytes());
        } else {
            out.push(c);
        }
    }
    out.push(b'"');
}

fn quote_float(x: f64) -> String {
    if x == f64::INFINITY {
        "1e9999".to_string()
    } else if x == f64::NEG_INFINITY {
        "-1e9999".to_string()
    } else if x.is_nan() {
        "(0/0)".to_string()
    } else {
        let sign = if x.is_sign_negative() { "-" } else { "" };
        let body = hex_float_body(x.abs(), None, false);
        format!("{sign}0x{}", String::from_utf8_lossy(&body))
    }
}

/// Lua's `luaL_tolstring` for a format argument.
pub fn tostring_bytes(arg: &FormatArg<'_>) -> Vec<u8> {
    match arg {
        FormatArg::Nil => b"nil".to_vec(),
        FormatArg::Bool(b) => b.to_string().into_bytes(),
        FormatArg::Integer(n) => n.to_string().into_bytes(),
        FormatArg::Float(x) => number_to_lua_string(*x).into_bytes(),
        FormatArg::Str(s) => s.to_vec(),
        FormatArg::Other { tostring: Some(text), .. } => text.to_vec(),
        FormatArg::Other { type_name, ptr: 0, .. } => format!("{type_name}: (nil)").into_bytes(),
        FormatArg::Other { type_name, ptr, .. } => format!("{type_name}: {ptr:#x}").into_bytes(),
    }
}

/// `luaL_checknumber`: numbers, and strings that convert to numbers.
fn check_number(arg: &FormatArg<'_>, arg_no: usize) -> Result<f64, FormatError> {
    match to_number(arg) {
        Some(Number::Integer(n)) => Ok(n as f64),
        Some(Number::Float(x)) => Ok(x),
        None => Err(type_error(arg, arg_no)),
    }
}

/// `luaL_checkinteger`: integers, floats with an exact integer value, and
/// strings that convert to either.
fn check_integer(arg: &FormatArg<'_>, arg_no: usize) -> Result<i64, FormatError> {
    match to_number(arg) {
        Some(Number::Integer(n)) => Ok(n),
        Some(Number::Float(x)) => float_to_integer(x)
            .ok_or_else(|| bad_arg(arg_no, "number has no integer representation")),
        None => Err(type_error(arg, arg_no)),
    }
}

fn to_number(arg: &FormatArg<'_>) -> Option<Number> {
    match arg {
        FormatArg::Integer(n) => Some(Number::Integer(*n)),
        FormatArg::Float(x) => Some(Number::Float(*x)),
        FormatArg::Str(s) => str_to_number(s),
        _ => None,
    }
}

fn type_error(arg: &FormatArg<'_>, arg_no: usize) -> FormatError {
    let got = match arg {
        FormatArg::Nil => "nil",
        FormatArg::Bool(_) => "boolean",
        FormatArg::Str(_) => "string",
        FormatArg::Integer(_) | FormatArg::Float(_) => "number",
        FormatArg::Other { type_name, .. } => type_name,
    };
    bad_arg(arg_no, &format!("number expected, got {got}"))
}

/// Lua's float-to-integer conversion in exact mode (`F2Ieq`).
pub fn float_to_integer(x: f64) -> Option<i64> {
    // 2^63 is exactly representable; the range is [-2^63, 2^63).
    let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x);
    (in_range && x.floor() == x).then_some(x as i64)
}

/* ---------- string to number (luaO_str2num) ---------- */

/// Lua's string-to-number coercion (`luaO_str2num`): decimal or hex
/// integers (hex wraps around, decimal overflow becomes a float), decimal
/// or hex floats, surrounding whitespace allowed; `inf`/`nan` rejected.
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    if s.contains(&0) {
        return None;
    }
    let trimmed = trim_c_space(s);
    if let Some(n) = str_to_int(trimmed) {
        return Some(Number::Integer(n));
    }
    str_to_float(trimmed).map(Number::Float)
}

fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t'..=b'\r')
}

fn trim_c_space(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_c_space(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|&c| !is_c_space(c)).map_or(start, |e| e + 1);
    &s[start..end]
}

fn split_sign(s: &[u8]) -> (bool, &[u8]) {
    match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    }
}

fn split_hex_prefix(s: &[u8]) -> Option<&[u8]> {
    match s {
        [b'0', b'x' | b'X', rest @ ..] => Some(rest),
        _ => None,
    }
}

/// `l_str2int` on an already trimmed numeral.
fn str_to_int(s: &[u8]) -> Option<i64> {
    let (negative, body) = split_sign(s);
    let magnitude = match split_hex_prefix(body) {
        Some(hex) => hex_magnitude(hex)?,
        None => decimal_magnitude(body, negative)?,
    };
    let value = if negative { 0u64.wrapping_sub(magnitude) } else { magnitude };
    Some(value as i64)
}

/// Hex integer digits; overflow wraps around, as in Lua.
fn hex_magnitude(hex: &[u8]) -> Option<u64> {
    if hex.is_empty() || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some(hex.iter().fold(0u64, |a, &d| a.wrapping_mul(16).wrapping_add(hex_value(d))))
}

/// Decimal integer digits; `None` on overflow (the numeral is a float).
fn decimal_magnitude(digits: &[u8], negative: bool) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let limit = if negative { 1u64 << 63 } else { i64::MAX as u64 };
    digits.iter().try_fold(0u64, |a, &d| {
        let next = a.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        (next <= limit).then_some(next)
    })
}

fn hex_value(d: u8) -> u64 {
    u64::from(char::from(d).to_digit(16).unwrap_or(0))
}

/// `l_str2d` (strtod in the C locale) on an already trimmed numeral.
fn str_to_float(s: &[u8]) -> Option<f64> {
    if s.iter().any(|c| matches!(c, b'n' | b'N')) {
        return None;
    }
    let (negative, body) = split_sign(s);
    let value = match split_hex_prefix(body) {
        Some(hex) => parse_hex_float(hex)?,
        None => parse_dec_float(body)?,
    };
    Some(if negative { -value } else { value })
}

/// Counts leading bytes satisfying `pred`.
fn span(s: &[u8], pred: impl Fn(&u8) -> bool) -> usize {
    s.iter().take_while(|c| pred(c)).count()
}

fn parse_dec_float(s: &[u8]) -> Option<f64> {
    let int_len = span(s, u8::is_ascii_digit);
    let mut k = int_len;
    let mut frac_len = 0;
    if s.get(k) == Some(&b'.') {
        frac_len = span(&s[k + 1..], u8::is_ascii_digit);
        k += 1 + frac_len;
    }
    if int_len + frac_len == 0 {
        return None;
    }
    if matches!(s.get(k), Some(b'e' | b'E')) {
        let (_, exp) = split_sign(&s[k + 1..]);
        let exp_len = span(exp, u8::is_ascii_digit);
        if exp_len == 0 || exp_len != exp.len() {
            return None;
        }
        k = s.len();
    }
    if k != s.len() {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// Hex float after the `0x`: hex digits, optional `.` and digits,
/// optional `p` exponent; correctly rounded like glibc's strtod.
fn parse_hex_float(s: &[u8]) -> Option<f64> {
    let mut mantissa = 0u64;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut any_digit = false;
    let mut seen_dot = false;
    let mut k = 0;
    while let Some(&c) = s.get(k) {
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if c.is_ascii_hexdigit() {
            any_digit = true;
            let d = hex_value(c);
            if mantissa >> 60 == 0 {
                mantissa = mantissa * 16 + d;
                exp2 -= if seen_dot { 4 } else { 0 };
            } else {
                sticky |= d != 0;
                exp2 += if seen_dot { 0 } else { 4 };
            }
        } else {
            break;
        }
        k += 1;
    }
    if !any_digit {
        return None;
    }
    if matches!(s.get(k), Some(b'p' | b'P')) {
        let (negative, digits) = split_sign(&s[k + 1..]);
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let e = digits.iter().fold(0i64, |a, &d| (a * 10 + i64::from(d - b'0')).min(100_000));
        exp2 += if negative { -e } else { e };
    } else if k != s.len() {
        return None;
    }
    Some(compose_f64(mantissa, exp2, sticky))
}

/// Rounds `(mantissa + sticky) * 2^exp2` to the nearest f64, ties to even.
fn compose_f64(mantissa: u64, exp2: i64, sticky: bool) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    let lz = mantissa.leading_zeros();
    let m = u128::from(mantissa << lz);
    let top = exp2 - i64::from(lz) + 63; // value in [2^top, 2^(top+1))
    if top > 1023 {
        return f64::INFINITY;
    }
    let keep = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
    if keep < 0 {
        return 0.0;
    }
    let shift = (64 - keep) as u32; // 11..=64
    let kept = m >> shift;
    let rest = m & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let round_up = rest > half || (rest == half && (sticky || kept & 1 == 1));
    let kept = (kept + u128::from(round_up)) as u64;
    let bits = if top >= -1022 { (((top + 1022) as u64) << 52) + kept } else { kept };
    if bits >= 0x7ff0_0000_0000_0000 { f64::INFINITY } else { f64::from_bits(bits) }
}

/* ---------- number to string ---------- */

/// Lua 5.4's float-to-string (`tostring`, `print`, `..`): `%.14g`, plus
/// `.0` when the result looks like an integer; `inf`, `-inf`, `nan` and
/// `-nan` (sign of the NaN, as glibc prints it).
pub fn number_to_lua_string(x: f64) -> String {
    let mut out = Vec::new();
    let spec = Spec { precision: Some(14), ..Spec::default() };
    format_float(&mut out, &spec, b'g', x);
    if out.iter().all(|&c| c == b'-' || c.is_ascii_digit()) {
        out.extend_from_slice(b".0");
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `%e %E %f %g %G %a %A` of `x` with glibc's output.
fn format_float(out: &mut Vec<u8>, spec: &Spec, conv: u8, x: f64) {
    let upper = conv.is_ascii_uppercase();
    let sign = spec.sign(x.is_sign_negative());
    if !x.is_finite() {
        let text: &[u8] = match (x.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        return pad(out, spec, sign, text, false);
    }
    let zero_fill = spec.zero && !spec.left;
    let x = x.abs();
    if conv.eq_ignore_ascii_case(&b'a') {
        let prefix = [sign, if upper { b"0X" } else { b"0x" }].concat();
        let body = hex_float_body(x, spec.precision, spec.alt);
        let body = if upper { body.to_ascii_uppercase() } else { body };
        return pad(out, spec, &prefix, &body, zero_fill);
    }
    let precision = spec.precision.unwrap_or(6);
    let digits = Decimal::exact(x);
    let mut body = match conv.to_ascii_lowercase() {
        b'e' => digits.round(precision as i64 + 1).exp_style(precision, spec.alt),
        b'f' => digits.round(digits.point + precision as i64).fixed_style(precision, spec.alt),
        _ => digits.general_style(precision, spec.alt),
    };
    if upper {
        body.make_ascii_uppercase();
    }
    pad(out, spec, sign, &body, zero_fill);
}

/// Exact decimal expansion of a finite, non-negative double:
/// value = 0.d1 d2 d3 ... × 10^point; no trailing zeros; empty means zero.
#[derive(Clone, Debug)]
struct Decimal {
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    fn exact(x: f64) -> Decimal {
        let bits = x.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        if biased == 0 && fraction == 0 {
            return Decimal { digits: Vec::new(), point: 0 };
        }
        let (mantissa, exp2) = match biased {
            0 => (fraction, -1074),
            _ => (fraction | 1 << 52, biased - 1075),
        };
        let mut big = BigDecimal::from_u64(mantissa);
        let scale = if exp2 >= 0 {
            big.mul_pow(2, 29, exp2 as u32);
            0
        } else {
            big.mul_pow(5, 13, (-exp2) as u32);
            -exp2
        };
        let mut digits = big.digits();
        let point = digits.len() as i64 - scale;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        Decimal { digits, point }
    }

    fn digit(&self, i: i64) -> u8 {
        usize::try_from(i).ok().and_then(|i| self.digits.get(i)).copied().unwrap_or(0)
    }

    /// Keeps the first `keep` significant digits, rounding half to even.
    fn round(&self, keep: i64) -> Decimal {
        let len = self.digits.len() as i64;
        if keep >= len {
            return self.clone();
        }
        if keep < 0 {
            return Decimal { digits: Vec::new(), point: 0 };
        }
        let next = self.digit(keep);
        let more = keep + 1 < len;
        let odd = keep > 0 && self.digit(keep - 1) % 2 == 1;
        let mut digits = self.digits[..keep as usize].to_vec();
        let mut point = self.point;
        if next > 5 || (next == 5 && (more || odd)) {
            increment(&mut digits, &mut point);
        }
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            point = 0;
        }
        Decimal { digits, point }
    }

    fn fixed_style(&self, precision: usize, alt: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if self.point <= 0 {
            out.push(b'0');
        }
        out.extend((0..self.point).map(|i| b'0' + self.digit(i)));
        if precision > 0 || alt {
            out.push(b'.');
        }
        out.extend((0..precision as i64).map(|k| b'0' + self.digit(self.point + k)));
        out
    }

    fn exp_style(&self, precision: usize, alt: bool) -> Vec<u8> {
        let exponent = if self.digits.is_empty() { 0 } else { self.point - 1 };
        let mut out = vec![b'0' + self.digit(0)];
        if precision > 0 || alt {
            out.push(b'.');
        }
        out.extend((1..=precision as i64).map(|i| b'0' + self.digit(i)));
        let sign = if exponent < 0 { '-' } else { '+' };
        out.extend_from_slice(format!("e{sign}{:02}", exponent.abs()).as_bytes());
        out
    }

    /// `%g`: style `f` when -4 <= X < P, else style `e`; then trailing
    /// zeros (and a bare point) go unless `#`.
    fn general_style(&self, precision: usize, alt: bool) -> Vec<u8> {
        let p = precision.max(1);
        let rounded = self.round(p as i64);
        let x = if rounded.digits.is_empty() { 0 } else { rounded.point - 1 };
        if alt && self.point == p as i64 && rounded.point > self.point {
            // glibc quirk: P integer digits that round up to P+1 digits
            // print as "1.e+XX" under '#' (e.g. "%#.3g" of 999.5).
            return rounded.exp_style(0, true);
        }
        let mut out = if -4 <= x && x < p as i64 {
            rounded.fixed_style((p as i64 - 1 - x) as usize, alt)
        } else {
            rounded.exp_style(p - 1, alt)
        };
        if !alt {
            strip_fraction_zeros(&mut out);
        }
        out
    }
}

/// Adds one unit in the last place of `digits` (carrying into `point`).
fn increment(digits: &mut Vec<u8>, point: &mut i64) {
    for d in digits.iter_mut().rev() {
        if *d < 9 {
            *d += 1;
            return;
        }
        *d = 0;
    }
    digits.insert(0, 1);
    *point += 1;
}

/// Removes trailing zeros of the fraction (before any exponent) and a
/// point left bare.
fn strip_fraction_zeros(text: &mut Vec<u8>) {
    let Some(dot) = text.iter().position(|&c| c == b'.') else { return };
    let exp_at = text.iter().position(|&c| c == b'e').unwrap_or(text.len());
    let mut end = exp_at;
    while end > dot + 1 && text[end - 1] == b'0' {
        end -= 1;
    }
    if end == dot + 1 {
        end = dot;
    }
    text.drain(end..exp_at);
}

/// Unsigned big integer in base 10^9 (little-endian limbs).
struct BigDecimal {
    limbs: Vec<u32>,
}

const LIMB: u64 = 1_000_000_000;

impl BigDecimal {
    fn from_u64(mut n: u64) -> BigDecimal {
        let mut limbs = Vec::new();
        while n > 0 {
            limbs.push((n % LIMB) as u32);
            n /= LIMB;
        }
        BigDecimal { limbs }
    }

    fn mul_small(&mut self, k: u64) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let v = u64::from(*limb) * k + carry;
            *limb = (v % LIMB) as u32;
            carry = v / LIMB;
        }
        while carry > 0 {
            self.limbs.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
    }

    /// Multiplies by `base^exp`, `chunk` powers at a time.
    fn mul_pow(&mut self, base: u64, chunk: u32, mut exp: u32) {
        while exp > 0 {
            let step = exp.min(chunk);
            self.mul_small(base.pow(step));
            exp -= step;
        }
    }

    /// Decimal digit values (0..=9), most significant first.
    fn digits(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.limbs.len() * 9);
        for &limb in self.limbs.iter().rev() {
            let mut chunk = [0u8; 9];
            let mut v = limb;
            for d in chunk.iter_mut().rev() {
                *d = (v % 10) as u8;
                v /= 10;
            }
            out.extend_from_slice(&chunk);
        }
        let leading = out.iter().take_while(|&&d| d == 0).count();
        out.drain(..leading);
        out
    }
}

/// glibc's `%a` body after `0x` for a finite non-negative double:
/// `1.8p+0`, subnormals as `0.xxxp-1022`, rounding half to even.
fn hex_float_body(x: f64, precision: Option<usize>, alt: bool) -> Vec<u8> {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (lead, exponent) = match (biased, fraction) {
        (0, 0) => (0u64, 0i64),
        (0, _) => (0, -1022),
        _ => (1, biased - 1023),
    };
    let (lead, digits) = hex_digits(lead, fraction, precision);
    let mut out = format!("{lead:x}").into_bytes();
    if !digits.is_empty() || alt {
        out.push(b'.');
    }
    out.extend_from_slice(&digits);
    out.extend_from_slice(format!("p{exponent:+}").as_bytes());
    out
}

/// The leading digit and fraction hex digits, rounded to `precision`.
fn hex_digits(lead: u64, fraction: u64, precision: Option<usize>) -> (u64, Vec<u8>) {
    let all = format!("{fraction:013x}").into_bytes();
    match precision {
        None => {
            let used = all.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
            (lead, all[..used].to_vec())
        }
        Some(p) if p >= 13 => {
            let mut digits = all;
            digits.resize(p, b'0');
            (lead, digits)
        }
        Some(p) => {
            let shift = 4 * (13 - p as u32);
            let full = lead << 52 | fraction;
            let kept = full >> shift;
            let rest = full & ((1 << shift) - 1);
            let half = 1 << (shift - 1);
            let round_up = rest > half || (rest == half && kept & 1 == 1);
            let kept = kept + u64::from(round_up);
            let text = format!("{:0width$x}", kept & ((1 << (4 * p)) - 1), width = p);
            (kept >> (4 * p), if p == 0 { Vec::new() } else { text.into_bytes() })
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected values were checked against the lua5.4 (5.4.4) binary on
    //! x86-64 Linux (glibc printf).
    use super::FormatArg::{Bool, Float, Integer, Nil, Str};
    use super::*;

    fn fmt(f: &str, args: &[FormatArg<'_>]) -> String {
        match format(f.as_bytes(), args) {
            Ok(out) => String::from_utf8_lossy(&out).into_owned(),
            Err(e) => format!("ERR {e}"),
        }
    }

    const TABLE: FormatArg<'static> =
        FormatArg::Other { type_name: "table", tostring: None, ptr: 0x55aa };

    #[test]
    fn integers() {
        let args = [
            Integer(42),
            Integer(42),
            Integer(42),
            Integer(42),
            Integer(42),
            Integer(42),
            Integer(7),
            Integer(-3),
        ];
        assert_eq!(
            fmt("%d|%5d|%-5d|%05d|%+d|% d|%.3d|%i", &args),
            "42|   42|42   |00042|+42| 42|007|-3"
        );
        let args = [
            Integer(255),
            Integer(255),
            Integer(255),
            Integer(255),
            Integer(8),
            Integer(8),
            Integer(-1),
            Integer(-1),
        ];
        assert_eq!(
            fmt("%x|%X|%#x|%#X|%o|%#o|%u|%x", &args),
            "ff|FF|0xff|0XFF|10|010|18446744073709551615|ffffffffffffffff"
        );
        let args = [Integer(0), Integer(0), Integer(0), Integer(10), Integer(10)];
        assert_eq!(fmt("%.0d|%#.0o|%#x|%5.3x|%-8.4X|", &args), "|0|0|  00a|000A    |");
        assert_eq!(
            fmt("%d|%d", &[Integer(i64::MAX), Integer(i64::MIN)]),
            "9223372036854775807|-9223372036854775808"
        );
        assert_eq!(
            fmt("%-5d|%-05d|%0-5d|", &[Integer(1), Integer(2), Integer(3)]),
            "1    |2    |3    |"
        );
    }

    #[test]
    fn chars() {
        let args = [Integer(76), Integer(117), Integer(97), Integer(65), Integer(66)];
        assert_eq!(fmt("%c%c%c|%3c|%-3c|", &args), "Lua|  A|B  |");
        assert_eq!(format(b"%c%c", &[Integer(0), Integer(256 + 67)]).unwrap(), b"\0C");
        assert_eq!(fmt("%c", &[Float(65.0)]), "A");
    }

    #[test]
    fn fixed_and_exponent() {
        let args = [
            Float(1.23456),
            Float(2.675),
            Float(-1.5),
            Float(2.25),
            Integer(1),
            Integer(1),
            Float(-1.23456),
        ];
        assert_eq!(
            fmt("%f|%.2f|%10.3f|%-10.1f|%+.1f|% .1f|%010.2f", &args),
            "1.234560|2.67|    -1.500|2.2       |+1.0| 1.0|-000001.23"
        );
        let ties = [Float(0.5), Float(1.5), Float(2.5), Float(-0.5), Float(0.25), Float(1.005)];
        assert_eq!(fmt("%.0f|%.0f|%.0f|%.0f|%.1f|%.2f", &ties), "0|2|2|-0|0.2|1.00");
        let args = [Float(12345.6789), Float(0.000123), Float(5e10), Integer(3), Float(-1e-300)];
        assert_eq!(
            fmt("%e|%.2E|%.0e|%#.0e|%12.4e", &args),
            "1.234568e+04|1.23E-04|5e+10|3.e+00|-1.0000e-300"
        );
        assert_eq!(
            fmt("%.20f|%.15g|%.17g", &[Float(0.1), Float(0.1), Float(0.1)]),
            "0.10000000000000000555|0.1|0.10000000000000001"
        );
        assert_eq!(fmt("%.99f", &[Float(1e-5)]).len(), 101);
        assert_eq!(fmt("%5.1f|%.99f", &[Float(1e308), Float(5e-324)]).len(), 413);
        let big = fmt("%.3f", &[Float(1e300)]);
        assert!(big.starts_with(
            "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786"
        ));
        assert!(big.ends_with("865459400540160.000"));
    }

    #[test]
    fn general() {
        let args = [
            Integer(100000),
            Integer(1000000),
            Float(1e-4),
            Float(1e-5),
            Float(0.1),
            Float(1e-20),
            Float(1.5),
            Float(1.23456),
            Float(1.0 / 3.0),
        ];
        assert_eq!(
            fmt("%g|%g|%g|%g|%g|%G|%#g|%.3g|%.10g", &args),
            "100000|1e+06|0.0001|1e-05|0.1|1E-20|1.50000|1.23|0.3333333333"
        );
        let args = [Float(2f64.powi(53)), Float(1e15), Integer(123456789012345678)];
        assert_eq!(fmt("%.14g|%.14g|%.14g", &args), "9.007199254741e+15|1e+15|1.2345678901235e+17");
        assert_eq!(fmt("%#g|%g|%#.0g", &[Float(0.0), Float(-0.0), Float(1.0)]), "0.00000|-0|1.");
        // glibc prints a rounding carry out of P integer digits this way
        let carry =
            [Float(999.5), Float(999999.5), Float(99.5), Float(999.5), Float(999.5), Float(99.95)];
        assert_eq!(
            fmt("%#.3g|%#g|%#.2g|%#.2g|%.3g|%#.3g", &carry),
            "1.e+03|1.e+06|1.e+02|1.0e+03|1e+03|100."
        );
    }

    #[test]
    fn hex_floats() {
        let args = [
            Integer(1),
            Float(0.5),
            Float(-0.1),
            Float(1.0 / 3.0),
            Float(1.5),
            Float(0.0),
            Float(-0.0),
            Float(5e-324),
        ];
        assert_eq!(
            fmt("%a|%A|%a|%.2a|%.0a|%a|%a|%a", &args),
            "0x1p+0|0X1P-1|-0x1.999999999999ap-4|0x1.55p-2|0x2p+0|0x0p+0|-0x0p+0|0x0.0000000000001p-1022"
        );
        let ones = [Integer(1), Integer(1), Integer(1), Integer(1), Integer(1), Integer(1)];
        assert_eq!(
            fmt("%12a|%-12a|%012a|%+a|% a|%#a", &ones),
            "      0x1p+0|0x1p+0      |0x0000001p+0|+0x1p+0| 0x1p+0|0x1.p+0"
        );
        let args = [Float(2.5), Float(1.96875), Float(3.0 * 2f64.powi(-1023)), Float(5e-324)];
        assert_eq!(fmt("%.0a|%.1a|%a|%.3a", &args), "0x1p+1|0x2.0p+0|0x1.8p-1022|0x0.000p-1022");
        assert_eq!(fmt("%.15a", &[Float(1.0)]), "0x1.000000000000000p+0");
    }

    #[test]
    fn infinities_and_nans() {
        let neg_nan = -f64::NAN;
        let args = [
            Float(f64::INFINITY),
            Float(f64::NEG_INFINITY),
            Float(neg_nan),
            Float(f64::NAN),
            Float(f64::INFINITY),
            Float(neg_nan),
            Float(f64::NEG_INFINITY),
        ];
        assert_eq!(
            fmt("%f|%e|%g|%a|%5.1f|%-6f|%06g", &args),
            "inf|-inf|-nan|nan|  inf|-nan  |  -inf"
        );
        let args = [Float(f64::INFINITY), Float(neg_nan), Float(f64::NEG_INFINITY)];
        assert_eq!(fmt("%E|%G|%A", &args), "INF|-NAN|-INF");
        assert_eq!(
            fmt("%010f|%+f|% f", &[Float(f64::INFINITY), Float(f64::NAN), Float(f64::NAN)]),
            "       inf|+nan| nan"
        );
    }

    #[test]
    fn strings() {
        let args = [Str(b"x"), Integer(1), Float(1.0), Float(-0.0), Bool(true), Nil];
        assert_eq!(fmt("%s|%s|%s|%s|%s|%s", &args), "x|1|1.0|-0.0|true|nil");
        let abc = [Str(b"abc"), Str(b"abc"), Str(b"abc"), Str(b"abc")];
        assert_eq!(fmt("%10s|%-10s|%.2s|%5.1s|", &abc), "       abc|abc       |ab|    a|");
        let long = "x".repeat(150);
        assert_eq!(fmt("%5s", &[Str(long.as_bytes())]).len(), 150);
        assert_eq!(fmt("%.5s", &[Str(long.as_bytes())]), "xxxxx");
        assert_eq!(
            format(b"%s|%s", &[Str(b"a\0b"), Float(2f64.powi(63))]).unwrap(),
            b"a\0b|9.2233720368548e+18"
        );
        assert_eq!(
            fmt("%5s", &[Str(b"a\0b")]),
            "ERR bad argument #2 to 'format' (string contains zeros)"
        );
        let with_tostring = FormatArg::Other { type_name: "table", tostring: Some(b"T!"), ptr: 1 };
        assert_eq!(fmt("%s|%4s", &[with_tostring.clone(), with_tostring]), "T!|  T!");
        assert_eq!(fmt("%s", &[TABLE]), "table: 0x55aa");
    }

    #[test]
    fn quoted() {
        let out = format(b"%q", &[Str(b"a\"b\\c\nd\re\0f\x001\x7f\x80")]).unwrap();
        assert_eq!(out, b"\"a\\\"b\\\\c\\\nd\\13e\\0f\\0001\\127\x80\"");
        let args = [
            Integer(42),
            Integer(i64::MIN),
            Float(1.5),
            Float(1e100),
            Float(-0.0),
            Float(f64::INFINITY),
            Float(f64::NEG_INFINITY),
        ];
        assert_eq!(
            fmt("%q|%q|%q|%q|%q|%q|%q", &args),
            "42|0x8000000000000000|0x1.8p+0|0x1.249ad2594c37dp+332|-0x0p+0|1e9999|-1e9999"
        );
        let args = [Float(f64::NAN), Nil, Bool(true), Bool(false)];
        assert_eq!(fmt("%q|%q|%q|%q", &args), "(0/0)|nil|true|false");
        assert_eq!(
            fmt("%q", &[TABLE]),
            "ERR bad argument #2 to 'format' (value has no literal form)"
        );
        assert_eq!(fmt("%5q", &[Str(b"x")]), "ERR specifier '%q' cannot have modifiers");
    }

    #[test]
    fn numeric_strings_are_coerced() {
        assert_eq!(fmt("%d", &[Str(b"10")]), "10");
        let args = [Str(b" 0x10 "), Str(b"1e3"), Str(b"-7"), Str(b"0xff")];
        assert_eq!(fmt("%d|%d|%d|%x", &args), "16|1000|-7|ff");
        assert_eq!(fmt("%f|%g", &[Str(b"1.5"), Str(b"0x10")]), "1.500000|16");
        assert_eq!(fmt("%d", &[Float(3.0)]), "3");
        assert_eq!(fmt("%d", &[Float(-(2f64.powi(63)))]), "-9223372036854775808");
    }

    #[test]
    fn argument_errors() {
        let no_int = "ERR bad argument #2 to 'format' (number has no integer representation)";
        assert_eq!(fmt("%d", &[Str(b"1.5")]), no_int);
        assert_eq!(fmt("%d", &[Float(3.5)]), no_int);
        assert_eq!(fmt("%d", &[Float(2f64.powi(63))]), no_int);
        assert_eq!(fmt("%d", &[Float(f64::NAN)]), no_int);
        assert_eq!(
            fmt("%d", &[Str(b"abc")]),
            "ERR bad argument #2 to 'format' (number expected, got string)"
        );
        assert_eq!(fmt("%d", &[Nil]), "ERR bad argument #2 to 'format' (number expected, got nil)");
        assert_eq!(
            fmt("%f", &[Bool(true)]),
            "ERR bad argument #2 to 'format' (number expected, got boolean)"
        );
        assert_eq!(
            fmt("%x", &[TABLE]),
            "ERR bad argument #2 to 'format' (number expected, got table)"
        );
        assert_eq!(
            fmt("%c", &[Str(b"x")]),
            "ERR bad argument #2 to 'format' (number expected, got string)"
        );
        assert_eq!(fmt("%d %d", &[Integer(1)]), "ERR bad argument #3 to 'format' (no value)");
        assert_eq!(fmt("%y", &[]), "ERR bad argument #2 to 'format' (no value)");
        let e = format(b"%d", &[Nil]).unwrap_err();
        assert_eq!(e, FormatError::BadArgument { arg: 2, msg: "number expected, got nil".into() });
    }

    #[test]
    fn conversion_errors() {
        let one = [Integer(1)];
        assert_eq!(fmt("%y", &one), "ERR invalid conversion '%y' to 'format'");
        assert_eq!(fmt("%", &one), "ERR invalid conversion '%' to 'format'");
        assert_eq!(fmt("abc%", &one), "ERR invalid conversion '%' to 'format'");
        assert_eq!(fmt("%5\0d", &one), "ERR invalid conversion '%5' to 'format'");
        assert_eq!(fmt("%10.3y", &one), "ERR invalid conversion '%10.3y' to 'format'");
        assert_eq!(fmt("%lld", &one), "ERR invalid conversion '%l' to 'format'");
        assert_eq!(fmt("%F", &one), "ERR invalid conversion '%F' to 'format'");
        assert_eq!(fmt("%5%", &one), "ERR invalid conversion '%5%' to 'format'");
        let spec = |f: &str| fmt(f, &[Str(b"1")]);
        assert_eq!(spec("%100d"), "ERR invalid conversion specification: '%100d'");
        assert_eq!(spec("%.100f"), "ERR invalid conversion specification: '%.100f'");
        assert_eq!(spec("%#d"), "ERR invalid conversion specification: '%#d'");
        assert_eq!(spec("%+x"), "ERR invalid conversion specification: '%+x'");
        assert_eq!(spec("% u"), "ERR invalid conversion specification: '% u'");
        assert_eq!(spec("%05s"), "ERR invalid conversion specification: '%05s'");
        assert_eq!(spec("%.3c"), "ERR invalid conversion specification: '%.3c'");
        assert_eq!(spec("%5.5.5d"), "ERR invalid conversion specification: '%5.5.5d'");
        assert_eq!(spec("%-+ #0-+ #0-+ #0-+ #0-+ d"), "ERR invalid format (too long)");
        let bytes = format(b"%\xff", &one).unwrap_err().message_bytes();
        assert_eq!(bytes, b"invalid conversion '%\xff' to 'format'");
    }

    #[test]
    fn pointers_and_percent() {
        assert_eq!(fmt("%p|%5p|%-7p|", &[Nil, Integer(1), Bool(true)]), "(null)|(null)|(null) |");
        assert_eq!(fmt("%p|%8p", &[TABLE, TABLE]), "0x55aa|  0x55aa");
        assert_eq!(fmt("no args %%", &[]), "no args %");
        assert_eq!(fmt("100%%", &[Integer(1)]), "100%");
    }

    #[test]
    fn lua_number_strings() {
        let cases = [
            (1e15, "1e+15"),
            (1e16, "1e+16"),
            (-1e100, "-1e+100"),
            (2f64.powi(63), "9.2233720368548e+18"),
            (1.2345678901234567, "1.2345678901235"),
            (100.0, "100.0"),
            (-3.0, "-3.0"),
            (0.1, "0.1"),
            (1e-7, "1e-07"),
            (123456789.0, "123456789.0"),
            (5e-324, "4.9406564584125e-324"),
            (f64::MAX, "1.7976931348623e+308"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-f64::NAN, "-nan"),
            (f64::NAN, "nan"),
        ];
        for (x, want) in cases {
            assert_eq!(number_to_lua_string(x), want, "{x:?}");
        }
    }

    #[test]
    fn string_to_number() {
        use Number::{Float as F, Integer as I};
        let cases: [(&[u8], Option<Number>); 22] = [
            (b" 10 ", Some(I(10))),
            (b"1e2", Some(F(100.0))),
            (b"0x1p4", Some(F(16.0))),
            (b"0x.8", Some(F(0.5))),
            (b"inf", None),
            (b"nan", None),
            (b"1e", None),
            (b"", None),
            (b".5", Some(F(0.5))),
            (b"5.", Some(F(5.0))),
            (b"0x", None),
            (b"1 2", None),
            (b"\t-0x10\n", Some(I(-16))),
            (b"1e400", Some(F(f64::INFINITY))),
            (b"0x1P-1074", Some(F(5e-324))),
            (b"0x1p-1075", Some(F(0.0))),
            (b"0x3p-1075", Some(F(1e-323))),
            (b"0xffffffffffffffff", Some(I(-1))),
            (b"9223372036854775808", Some(F(9223372036854775808.0))),
            (b"-9223372036854775808", Some(I(i64::MIN))),
            (b"1\x002", None),
            (b"\x0b+7\x0c", Some(I(7))),
        ];
        for (s, want) in cases {
            assert_eq!(str_to_number(s), want, "{:?}", String::from_utf8_lossy(s));
        }
        assert_eq!(float_to_integer(-0.0), Some(0));
        assert_eq!(float_to_integer(1e300), None);
    }

    #[test]
    fn tostring_indices() {
        assert_eq!(tostring_arg_indices(b"%d %s %5.2s %% %q %s"), vec![1, 2, 4]);
        assert_eq!(tostring_arg_indices(b"%s %"), vec![0]);
        assert!(tostring_arg_indices(b"%-+ #0-+ #0-+ #0-+ #0-+ s").is_empty());
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"%-+ #0123456789.cdiouxXeEfgGaAsqpyl\0\xff";
        let strings: [&[u8]; 4] = [b"12", b"x\0y", b"0x1p-1074", b" -9e999 "];
        for _ in 0..20_000 {
            let len = (rng.next() % 12) as usize;
            let f: Vec<u8> =
                (0..len).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]).collect();
            let bits = rng.next();
            let args = [
                Float(f64::from_bits(bits)),
                Integer(bits as i64),
                Str(strings[(bits % 4) as usize]),
                TABLE,
                Float(f64::from_bits(bits >> 3)),
            ];
            let n = (rng.next() % 6) as usize;
            let _ = format(&f, &args[..n]);
            let _ = tostring_arg_indices(&f);
            let _ = str_to_number(&f);
            let _ = number_to_lua_string(f64::from_bits(bits));
        }
    }
}
