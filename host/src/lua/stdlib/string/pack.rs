//! `string.pack`, `string.unpack` and `string.packsize`: values to and
//! from binary strings, with Lua 5.4's format language, its sizes on a
//! 64-bit Linux build (`i` and `I` 4 bytes, `l`, `L`, `j`, `J`, `T` and
//! `s` 8, native alignment 8, little endian) and its error messages.

use piccolo::{CallbackReturn, Context, Execution, Stack, Value};

use super::start_position;
use crate::lua::stdlib::args::{
    Args, CallResult, Failure, MAX_RESULTS, MAX_STRING_SIZE, charge, charge_bytes, new_string,
    slice_string,
};
use crate::lua::stdlib::base::{call_again, room};

/// Largest size of an integer option (`i16`).
const MAX_INT_SIZE: usize = 16;

/// Size of a Lua integer.
const LUA_INT_SIZE: usize = 8;

/// The alignment `!` sets without a number (the C ABI's largest).
const NATIVE_ALIGN: usize = 8;

/// Largest number a format may hold (Lua's `MAXSIZE`, `INT_MAX`).
const MAX_SIZE: usize = i32::MAX as usize;

/// What one format option packs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Signed integer (`b h i l j`).
    Int,
    /// Unsigned integer (`B H I L J T`).
    Uint,
    /// C float (`f`).
    Float,
    /// Lua float or C double (`n d`).
    Double,
    /// Fixed-size string (`cN`).
    Char,
    /// String preceded by its length (`s`).
    String,
    /// Zero-terminated string (`z`).
    Zstr,
    /// One zero byte (`x`).
    Padding,
    /// Alignment to the next option's size (`X`).
    PadAlign,
    /// Spaces, endianness and alignment settings.
    Nop,
}

/// One option with its size and the padding that aligns it.
#[derive(Debug, PartialEq, Eq)]
struct Item {
    kind: Kind,
    size: usize,
    padding: usize,
}

/// Reads a format string option by option, as Lua's `getdetails`.
struct Format<'a> {
    fmt: &'a [u8],
    at: usize,
    little: bool,
    max_align: usize,
}

impl<'a> Format<'a> {
    fn new(fmt: &'a [u8]) -> Format<'a> {
        // Lua reads the format as a C string: it ends at the first zero.
        let end = fmt.iter().position(|&b| b == 0).unwrap_or(fmt.len());
        Format { fmt: &fmt[..end], at: 0, little: cfg!(target_endian = "little"), max_align: 1 }
    }

    fn done(&self) -> bool {
        self.at >= self.fmt.len()
    }

    /// A number in the format, if digits follow (Lua's `getnum`, which
    /// stops reading before the value could pass [`MAX_SIZE`]).
    fn number(&mut self) -> Option<usize> {
        let fmt = self.fmt;
        let digit = |at: usize| fmt.get(at).copied().filter(u8::is_ascii_digit);
        digit(self.at)?;
        let mut value = 0;
        while let Some(d) = digit(self.at) {
            if value > (MAX_SIZE - 9) / 10 {
                break;
            }
            value = value * 10 + usize::from(d - b'0');
            self.at += 1;
        }
        Some(value)
    }

    /// An integer size in `[1, 16]` (Lua's `getnumlimit`).
    fn int_size(&mut self, default: usize) -> Result<usize, Failure> {
        let size = self.number().unwrap_or(default);
        if size == 0 || size > MAX_INT_SIZE {
            return Err(Failure::new(format!(
                "integral size ({size}) out of limits [1,{MAX_INT_SIZE}]"
            )));
        }
        Ok(size)
    }

    /// The next option and its size (Lua's `getoption`).
    fn option(&mut self) -> Result<(Kind, usize), Failure> {
        let option = self.fmt[self.at];
        self.at += 1;
        Ok(match option {
            b'b' => (Kind::Int, 1),
            b'B' => (Kind::Uint, 1),
            b'h' => (Kind::Int, 2),
            b'H' => (Kind::Uint, 2),
            b'l' | b'j' => (Kind::Int, 8),
            b'L' | b'J' | b'T' => (Kind::Uint, 8),
            b'f' => (Kind::Float, 4),
            b'n' | b'd' => (Kind::Double, 8),
            b'i' => (Kind::Int, self.int_size(4)?),
            b'I' => (Kind::Uint, self.int_size(4)?),
            b's' => (Kind::String, self.int_size(8)?),
            b'c' => match self.number() {
                Some(size) => (Kind::Char, size),
                None => return Err(Failure::new("missing size for format option 'c'")),
            },
            b'z' => (Kind::Zstr, 0),
            b'x' => (Kind::Padding, 1),
            b'X' => (Kind::PadAlign, 0),
            b' ' => (Kind::Nop, 0),
            b'<' => {
                self.little = true;
                (Kind::Nop, 0)
            }
            b'>' => {
                self.little = false;
                (Kind::Nop, 0)
            }
            b'=' => {
                self.little = cfg!(target_endian = "little");
                (Kind::Nop, 0)
            }
            b'!' => {
                self.max_align = self.int_size(NATIVE_ALIGN)?;
                (Kind::Nop, 0)
            }
            other => {
                let mut message = b"invalid format option '".to_vec();
                message.extend([other, b'\'']);
                return Err(Failure::new(message));
            }
        })
    }

    /// The next option with the padding that aligns it after `total`
    /// bytes (Lua's `getdetails`); `args` names the function in errors.
    fn item(&mut self, total: usize, args: &Args<'_, '_>) -> Result<Item, Failure> {
        let (kind, size) = self.option()?;
        let mut align = size;
        if kind == Kind::PadAlign {
            // `X` takes its alignment from the option after it.
            let next = if self.done() { None } else { Some(self.option()?) };
            match next {
                Some((next_kind, next_size)) if next_kind != Kind::Char && next_size != 0 => {
                    align = next_size;
                }
                _ => return Err(args.bad(0, "invalid next option for option 'X'")),
            }
        }
        let padding = if align <= 1 || kind == Kind::Char {
            0
        } else {
            let align = align.min(self.max_align);
            if !align.is_power_of_two() {
                return Err(args.bad(0, "format asks for alignment not power of 2"));
            }
            (align - (total & (align - 1))) & (align - 1)
        };
        Ok(Item { kind, size, padding })
    }
}

/// Where `pack` puts its result: a count of its bytes first, then the
/// bytes themselves.
trait Sink {
    fn len(&self) -> usize;
    fn bytes(&mut self, bytes: &[u8]);
    fn zeros(&mut self, n: usize);
}

/// Only the length.
struct Count(usize);

impl Sink for Count {
    fn len(&self) -> usize {
        self.0
    }
    fn bytes(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
    fn zeros(&mut self, n: usize) {
        self.0 += n;
    }
}

impl Sink for Vec<u8> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn zeros(&mut self, n: usize) {
        self.resize(Vec::len(self) + n, 0);
    }
}

/// Appends the low `size` bytes of `n`; beyond 8 bytes, the sign extends
/// (Lua's `packint`).
fn pack_int(out: &mut impl Sink, n: u64, little: bool, size: usize, negative: bool) {
    let mut bytes = [0u8; MAX_INT_SIZE];
    let fill = if negative { 0xff } else { 0 };
    for (i, byte) in bytes.iter_mut().enumerate().take(size) {
        *byte = if i < LUA_INT_SIZE { (n >> (8 * i)) as u8 } else { fill };
    }
    let bytes = &mut bytes[..size];
    if !little {
        bytes.reverse();
    }
    out.bytes(bytes);
}

/// Reads a `size`-byte integer (Lua's `unpackint`): sign-extended when
/// `signed` and shorter than a Lua integer; longer ones must fit.
fn unpack_int(bytes: &[u8], little: bool, signed: bool) -> Result<i64, Failure> {
    let size = bytes.len();
    let byte = |i: usize| if little { bytes[i] } else { bytes[size - 1 - i] };
    let mut result: u64 = 0;
    for i in (0..size.min(LUA_INT_SIZE)).rev() {
        result = (result << 8) | u64::from(byte(i));
    }
    if size < LUA_INT_SIZE {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            result = (result ^ mask).wrapping_sub(mask);
        }
    } else if size > LUA_INT_SIZE {
        let fill = if signed && (result as i64) < 0 { 0xff } else { 0 };
        if (LUA_INT_SIZE..size).any(|i| byte(i) != fill) {
            return Err(Failure::new(format!("{size}-byte integer does not fit into Lua Integer")));
        }
    }
    Ok(result as i64)
}

/// The bytes of a float in the format's byte order.
fn float_bytes<const N: usize>(native: [u8; N], little: bool) -> [u8; N] {
    let mut bytes = native;
    if little != cfg!(target_endian = "little") {
        bytes.reverse();
    }
    bytes
}

/// `string.pack(fmt, v1, v2, ...)`: the values in binary form.
pub(super) fn pack<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let fmt = Args::new(ctx, &stack[..], "pack").string(0)?;
    // Lua then pushes a nil after the arguments, so the first missing
    // value is reported as "got nil".
    let mut values = stack[..].to_vec();
    values.push(Value::Nil);
    let args = Args::new(ctx, &values, "pack");
    // Large strings packed together can make a result far beyond the
    // memory budget: the format and the values are read through once to
    // find the result's length (and every error, as Lua reports them), and
    // the result is built only if it fits.
    let mut len = Count(0);
    let options = pack_into(fmt.as_bytes(), &args, &mut len)?;
    if !room(ctx, exec, len.0)? {
        return call_again(ctx, pack);
    }
    let mut out = Vec::with_capacity(len.0);
    pack_into(fmt.as_bytes(), &args, &mut out)?;
    charge(exec, options);
    charge_bytes(exec, out.len());
    stack.replace(ctx, new_string(ctx, out));
    Ok(CallbackReturn::Return)
}

/// Packs the values after the format into `out`; how many options the
/// format held.
fn pack_into(fmt: &[u8], args: &Args<'_, '_>, out: &mut impl Sink) -> Result<usize, Failure> {
    let mut format = Format::new(fmt);
    let mut arg = 0;
    let mut options = 0;
    while !format.done() {
        let item = format.item(out.len(), args)?;
        options += 1;
        if item.size.saturating_add(item.padding) > MAX_STRING_SIZE - out.len() {
            return Err(Failure::new("resulting string too large"));
        }
        out.zeros(item.padding);
        arg += 1;
        let little = format.little;
        match item.kind {
            Kind::Int => {
                let n = args.integer(arg)?;
                if item.size < LUA_INT_SIZE {
                    let limit = 1i64 << (item.size * 8 - 1);
                    if !(-limit..limit).contains(&n) {
                        return Err(args.bad(arg, "integer overflow"));
                    }
                }
                pack_int(out, n as u64, little, item.size, n < 0);
            }
            Kind::Uint => {
                let n = args.integer(arg)?;
                if item.size < LUA_INT_SIZE && (n as u64) >= 1u64 << (item.size * 8) {
                    return Err(args.bad(arg, "unsigned overflow"));
                }
                pack_int(out, n as u64, little, item.size, false);
            }
            Kind::Float => {
                let x = args.number(arg)? as f32;
                out.bytes(&float_bytes(x.to_ne_bytes(), little));
            }
            Kind::Double => {
                let x = args.number(arg)?;
                out.bytes(&float_bytes(x.to_ne_bytes(), little));
            }
            Kind::Char => {
                let s = args.string(arg)?.as_bytes();
                if s.len() > item.size {
                    return Err(args.bad(arg, "string longer than given size"));
                }
                out.bytes(s);
                out.zeros(item.size - s.len());
            }
            Kind::String => {
                let s = args.string(arg)?.as_bytes();
                if item.size < LUA_INT_SIZE && s.len() as u64 >= 1u64 << (item.size * 8) {
                    return Err(args.bad(arg, "string length does not fit in given size"));
                }
                if s.len() > MAX_STRING_SIZE - out.len() - item.size {
                    return Err(Failure::new("resulting string too large"));
                }
                pack_int(out, s.len() as u64, little, item.size, false);
                out.bytes(s);
            }
            Kind::Zstr => {
                let s = args.string(arg)?.as_bytes();
                if s.contains(&0) {
                    return Err(args.bad(arg, "string contains zeros"));
                }
                if s.len() >= MAX_STRING_SIZE - out.len() {
                    return Err(Failure::new("resulting string too large"));
                }
                out.bytes(s);
                out.zeros(1);
            }
            Kind::Padding => {
                out.zeros(1);
                arg -= 1;
            }
            Kind::PadAlign | Kind::Nop => arg -= 1,
        }
    }
    Ok(options)
}

/// `string.packsize(fmt)`: the size of what `pack` makes with `fmt`,
/// which may not hold variable-length options.
pub(super) fn packsize<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "packsize");
    let mut format = Format::new(args.string(0)?.as_bytes());
    let mut total: usize = 0;
    let mut options = 0;
    while !format.done() {
        let item = format.item(total, &args)?;
        options += 1;
        if matches!(item.kind, Kind::String | Kind::Zstr) {
            return Err(args.bad(0, "variable-length format"));
        }
        let size = item.size + item.padding;
        if total > MAX_SIZE.saturating_sub(size) {
            return Err(args.bad(0, "format result too large"));
        }
        total += size;
    }
    charge(exec, options);
    stack.replace(ctx, total as i64);
    Ok(CallbackReturn::Return)
}

/// `string.unpack(fmt, s [, pos])`: the values packed in `s` from `pos`,
/// then the position after them.
pub(super) fn unpack<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "unpack");
    let mut format = Format::new(args.string(0)?.as_bytes());
    let data = args.string(1)?.as_bytes();
    let mut pos = start_position(args.opt_integer(2)?.unwrap_or(1), data.len()) - 1;
    if pos > data.len() {
        return Err(args.bad(2, "initial position out of string"));
    }
    let start = pos;
    let mut values = Vec::new();
    while !format.done() {
        let item = format.item(pos, &args)?;
        if item.padding.saturating_add(item.size) > data.len() - pos {
            return Err(args.bad(1, "data string too short"));
        }
        pos += item.padding;
        if values.len() + 1 >= MAX_RESULTS {
            return Err(Failure::new("stack overflow (too many results)"));
        }
        let field = &data[pos..pos + item.size];
        let little = format.little;
        let value = match item.kind {
            Kind::Int | Kind::Uint => {
                Some(Value::Integer(unpack_int(field, little, item.kind == Kind::Int)?))
            }
            Kind::Float => {
                let bytes = float_bytes(field.try_into().unwrap_or_default(), little);
                Some(Value::Number(f64::from(f32::from_ne_bytes(bytes))))
            }
            Kind::Double => {
                let bytes = float_bytes(field.try_into().unwrap_or_default(), little);
                Some(Value::Number(f64::from_ne_bytes(bytes)))
            }
            Kind::Char => Some(Value::String(slice_string(ctx, field))),
            Kind::String => {
                let len = unpack_int(field, little, false)? as u64;
                let available = data.len() - pos - item.size;
                if len > available as u64 {
                    return Err(args.bad(1, "data string too short"));
                }
                let text = &data[pos + item.size..][..len as usize];
                pos += len as usize;
                Some(Value::String(slice_string(ctx, text)))
            }
            Kind::Zstr => {
                let rest = &data[pos..];
                let Some(len) = rest.iter().position(|&b| b == 0) else {
                    return Err(args.bad(1, "unfinished string for format 'z'"));
                };
                pos += len + 1;
                Some(Value::String(slice_string(ctx, &rest[..len])))
            }
            Kind::PadAlign | Kind::Padding | Kind::Nop => None,
        };
        values.extend(value);
        pos += item.size;
    }
    charge(exec, values.len());
    charge_bytes(exec, pos - start);
    values.push(Value::Integer(pos as i64 + 1));
    stack.clear();
    stack.extend(values);
    Ok(CallbackReturn::Return)
}

#[cfg(test)]
mod tests {
    use super::{pack_int, unpack_int};

    fn packed(n: i64, little: bool, size: usize) -> Vec<u8> {
        let mut out = Vec::new();
        pack_int(&mut out, n as u64, little, size, n < 0);
        out
    }

    #[test]
    fn integers_round_trip() {
        assert_eq!(packed(1, true, 4), [1, 0, 0, 0]);
        assert_eq!(packed(1, false, 4), [0, 0, 0, 1]);
        assert_eq!(packed(-2, true, 2), [0xfe, 0xff]);
        assert_eq!(packed(-1, true, 12), [0xff; 12]);
        assert_eq!(packed(0x0102, false, 10), [0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
        for (n, size) in [(-1, 1), (127, 1), (-32768, 2), (i64::MIN, 8), (i64::MIN, 16), (-5, 3)] {
            for little in [true, false] {
                let bytes = packed(n, little, size);
                assert_eq!(unpack_int(&bytes, little, true).ok(), Some(n));
            }
        }
        assert_eq!(unpack_int(&[0xff, 0xff], true, false).ok(), Some(0xffff));
        assert!(unpack_int(&[0, 0, 0, 0, 0, 0, 0, 0, 1], true, true).is_err());
        assert!(unpack_int(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0], true, true).is_err());
    }
}
