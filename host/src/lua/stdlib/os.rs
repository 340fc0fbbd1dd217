//! The `os` library: Lua 5.4's `time`, `date`, `clock`, `difftime`,
//! `getenv`, `setlocale`, `exit` (only under `planhost run`), and `remove`
//! and `rename` inside the sandbox. No `execute` and no `tmpname`.
//!
//! Dates are computed here, without the C library: [`strftime`] does glibc's
//! C-locale conversions and [`tz`] reads the local time zone the way glibc
//! does (`TZ` as a zoneinfo name, a file or a POSIX rule; else
//! `/etc/localtime`; UTC when neither is usable).

mod tz;

use std::time::{SystemTime, UNIX_EPOCH};

use piccolo::{CallbackReturn, Context, Execution, Stack, Table, Value};

use super::args::{Args, CallResult, Failure, charge_bytes, library_with, new_string, to_integer};
use super::io::{flush_open_files, push_failure, resolve_entry};
use crate::lua::sandbox::Sandbox;

/// The body of an `os` function.
type Body = for<'gc, 'e, 's> fn(
    Context<'gc>,
    &Host,
    &mut Execution<'gc, 'e>,
    Stack<'gc, 's>,
) -> CallResult<'gc>;

/// What `os` functions need from the host.
struct Host {
    sandbox: Sandbox,
}

/// Registers the `os` table.
pub fn load_os(ctx: Context<'_>, sandbox: &Sandbox) {
    let host = std::rc::Rc::new(Host { sandbox: sandbox.clone() });
    let os = Table::new(&ctx);
    let functions: [(&str, Body); 9] = [
        ("time", time),
        ("date", date),
        ("clock", clock),
        ("difftime", difftime),
        ("getenv", getenv),
        ("setlocale", setlocale),
        ("exit", exit),
        ("remove", remove),
        ("rename", rename),
    ];
    for (name, body) in functions {
        let host = host.clone();
        let callback =
            library_with(ctx, (), move |(), ctx, exec, stack| body(ctx, &host, exec, stack));
        let _ = os.set(ctx, name, callback);
    }
    let _ = ctx.set_global("os", os);
}

/* ---------- time and date ---------- */

/// Seconds since the epoch, now.
fn now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// `os.time([t])`: now, or the local time a date table describes. The
/// table's fields are normalised in place, as `mktime` does.
fn time<'gc>(
    ctx: Context<'gc>,
    _: &Host,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "time");
    let table = match args.get(0) {
        Value::Nil => {
            stack.replace(ctx, now());
            return Ok(CallbackReturn::Return);
        }
        Value::Table(table) => table,
        _ => return Err(args.type_error(0, "table")),
    };
    let fields = DateFields::read(ctx, table)?;
    let cannot = || Failure::new("time result cannot be represented in this installation");
    let zone = tz::local();
    let t = zone.mktime(fields.local_minutes(), fields.sec, fields.isdst).ok_or_else(cannot)?;
    let tm = Tm::at(t, zone.at(t)).ok_or_else(cannot)?;
    tm.set_fields(ctx, table);
    if t == -1 {
        return Err(cannot());
    }
    stack.replace(ctx, t);
    Ok(CallbackReturn::Return)
}

/// The fields of a date table as `os.time` reads them (Lua's `getfield`).
struct DateFields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    /// -1 when absent, else 0 or 1.
    isdst: i32,
}

impl DateFields {
    fn read<'gc>(ctx: Context<'gc>, table: Table<'gc>) -> Result<DateFields, Failure> {
        let field = |key: &'static str, default: Option<i64>, delta: i64| {
            date_field(table.get(ctx, key), key, default, delta)
        };
        let year = field("year", None, 1900)? + 1900;
        let month = field("month", None, 1)? + 1;
        let day = field("day", None, 0)?;
        let hour = field("hour", Some(12), 0)?;
        let min = field("min", Some(0), 0)?;
        let sec = field("sec", Some(0), 0)?;
        let isdst = match table.get(ctx, "isdst") {
            Value::Nil => -1,
            value => i32::from(value.to_bool()),
        };
        Ok(DateFields { year, month, day, hour, min, sec, isdst })
    }

    /// The local time up to the minute as seconds since the epoch, as if
    /// it were UTC.
    fn local_minutes(&self) -> i64 {
        let months = self.month - 1;
        let year = self.year + months.div_euclid(12);
        let days = days_from_civil(year, months.rem_euclid(12) + 1, 1) + self.day - 1;
        days * 86_400 + self.hour * 3_600 + self.min * 60
    }
}

/// One field: an integer (or a string or float holding one) whose value
/// minus `delta` fits a C `int`.
fn date_field(
    value: Value<'_>,
    key: &str,
    default: Option<i64>,
    delta: i64,
) -> Result<i64, Failure> {
    let Some(n) = to_integer(value) else {
        return match (value, default) {
            (Value::Nil, Some(default)) => Ok(default),
            (Value::Nil, None) => Err(Failure::new(format!("field '{key}' missing in date table"))),
            _ => Err(Failure::new(format!("field '{key}' is not an integer"))),
        };
    };
    let in_range =
        if n >= 0 { n - delta <= i64::from(i32::MAX) } else { i64::from(i32::MIN) + delta <= n };
    if in_range {
        Ok(n - delta)
    } else {
        Err(Failure::new(format!("field '{key}' is out-of-bound")))
    }
}

/// `os.date([format [, t]])`: `t` (default now) as text, or as a table
/// with `*t`; a leading `!` gives UTC.
fn date<'gc>(
    ctx: Context<'gc>,
    _: &Host,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "date");
    let format = args.opt_string(0)?.map_or(&b"%c"[..], |format| format.as_bytes());
    let t = if args.get(1).is_nil() { now() } else { args.integer(1)? };
    let (tm, format) = match format.strip_prefix(b"!") {
        Some(rest) => (Tm::at(t, &tz::LocalType::gmt()), rest),
        None => (Tm::at(t, tz::local().at(t)), format),
    };
    let tm =
        tm.ok_or_else(|| Failure::new("date result cannot be represented in this installation"))?;
    if format == b"*t" {
        let table = Table::new(&ctx);
        tm.set_fields(ctx, table);
        stack.replace(ctx, table);
        return Ok(CallbackReturn::Return);
    }
    let text = strftime(format, &tm).map_err(|rest| {
        let spec = String::from_utf8_lossy(rest);
        args.bad(0, &format!("invalid conversion specifier '%{spec}'"))
    })?;
    charge_bytes(exec, text.len());
    stack.replace(ctx, new_string(ctx, text));
    Ok(CallbackReturn::Return)
}

/// A broken-down time (C's `struct tm`, with the full year).
#[derive(Debug, Clone, PartialEq)]
struct Tm {
    year: i64,
    /// 1 to 12.
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    /// 0 (Sunday) to 6.
    wday: i64,
    /// 0 to 365.
    yday: i64,
    isdst: bool,
    /// Seconds east of UTC.
    utoff: i64,
    zone: String,
}

impl Tm {
    /// `t` in a zone's local time; `None` when the year does not fit C's
    /// `int` (as glibc's `localtime` fails).
    fn at(t: i64, local: &tz::LocalType) -> Option<Tm> {
        // Far beyond any representable year; keeps the arithmetic small.
        if t.unsigned_abs() > 1 << 59 {
            return None;
        }
        let local_seconds = t + local.utoff;
        let days = local_seconds.div_euclid(86_400);
        let secs = local_seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        i32::try_from(year - 1900).ok()?;
        Some(Tm {
            year,
            month,
            day,
            hour: secs / 3_600,
            min: secs / 60 % 60,
            sec: secs % 60,
            wday: (days + 4).rem_euclid(7),
            yday: days - days_from_civil(year, 1, 1),
            isdst: local.isdst,
            utoff: local.utoff,
            zone: local.abbreviation.clone(),
        })
    }

    /// Lua's `setallfields`.
    fn set_fields<'gc>(&self, ctx: Context<'gc>, table: Table<'gc>) {
        let fields = [
            ("year", self.year),
            ("month", self.month),
            ("day", self.day),
            ("hour", self.hour),
            ("min", self.min),
            ("sec", self.sec),
            ("yday", self.yday + 1),
            ("wday", self.wday + 1),
        ];
        for (key, value) in fields {
            let _ = table.set(ctx, key, value);
        }
        let _ = table.set(ctx, "isdst", self.isdst);
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`); `month` is 1 to 12.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    (if month <= 2 { year_of_era + era * 400 + 1 } else { year_of_era + era * 400 }, month, day)
}

fn is_leap(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/* ---------- strftime ---------- */

/// The conversions Lua 5.4 accepts (`LUA_STRFTIMEOPTIONS` for C99).
const SINGLE_CONVERSIONS: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const DOUBLE_CONVERSIONS: [&[u8]; 19] = [
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

const WEEKDAYS: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `os.date`'s formatting: glibc's `strftime` in the C locale, one
/// conversion at a time. An invalid conversion gives the rest of the
/// format from the byte after its `%` (Lua quotes it in the error).
fn strftime<'f>(format: &'f [u8], tm: &Tm) -> Result<Vec<u8>, &'f [u8]> {
    let mut out = Vec::with_capacity(format.len() * 2);
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            out.push(format[i]);
            i += 1;
            continue;
        }
        let rest = &format[i + 1..];
        let length = conversion_length(rest).ok_or(rest)?;
        let conversion = rest[length - 1];
        out.extend_from_slice(convert(conversion, tm).as_bytes());
        i += 1 + length;
    }
    Ok(out)
}

/// Lua's `checkoption`: the length of a valid conversion at the start of
/// `rest` (1, or 2 with an `E` or `O` modifier).
fn conversion_length(rest: &[u8]) -> Option<usize> {
    match rest {
        [first, ..] if SINGLE_CONVERSIONS.contains(first) => Some(1),
        [a, b, ..] if DOUBLE_CONVERSIONS.contains(&&[*a, *b][..]) => Some(2),
        _ => None,
    }
}

/// One conversion (without modifier, which the C locale ignores).
fn convert(conversion: u8, tm: &Tm) -> String {
    let weekday = WEEKDAYS[usize::try_from(tm.wday).unwrap_or(0) % 7];
    let month = MONTHS[usize::try_from(tm.month - 1).unwrap_or(0) % 12];
    let hour12 = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
    match conversion {
        b'a' => weekday[..3].to_owned(),
        b'A' => weekday.to_owned(),
        b'b' | b'h' => month[..3].to_owned(),
        b'B' => month.to_owned(),
        b'c' => format!(
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            &weekday[..3],
            &month[..3],
            tm.day,
            tm.hour,
            tm.min,
            tm.sec,
            tm.year
        ),
        b'C' => tm.year.div_euclid(100).to_string(),
        b'd' => format!("{:02}", tm.day),
        b'D' | b'x' => format!("{:02}/{:02}/{:02}", tm.month, tm.day, tm.year.rem_euclid(100)),
        b'e' => format!("{:2}", tm.day),
        b'F' => format!("{}-{:02}-{:02}", tm.year, tm.month, tm.day),
        b'g' => format!("{:02}", iso_week(tm).0.rem_euclid(100)),
        b'G' => iso_week(tm).0.to_string(),
        b'H' => format!("{:02}", tm.hour),
        b'I' => format!("{hour12:02}"),
        b'j' => format!("{:03}", tm.yday + 1),
        b'm' => format!("{:02}", tm.month),
        b'M' => format!("{:02}", tm.min),
        b'n' => "\n".to_owned(),
        b'p' => (if tm.hour < 12 { "AM" } else { "PM" }).to_owned(),
        b'r' => format!("{hour12:02}:{:02}:{:02} {}", tm.min, tm.sec, convert(b'p', tm)),
        b'R' => format!("{:02}:{:02}", tm.hour, tm.min),
        b'S' => format!("{:02}", tm.sec),
        b't' => "\t".to_owned(),
        b'T' | b'X' => format!("{:02}:{:02}:{:02}", tm.hour, tm.min, tm.sec),
        b'u' => (if tm.wday == 0 { 7 } else { tm.wday }).to_string(),
        b'U' => format!("{:02}", (tm.yday + 7 - tm.wday) / 7),
        b'V' => format!("{:02}", iso_week(tm).1),
        b'w' => tm.wday.to_string(),
        b'W' => format!("{:02}", (tm.yday + 7 - (tm.wday + 6) % 7) / 7),
        b'y' => format!("{:02}", tm.year.rem_euclid(100)),
        b'Y' => tm.year.to_string(),
        b'z' => {
            let sign = if tm.utoff < 0 { '-' } else { '+' };
            let minutes = tm.utoff.abs() / 60;
            format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
        }
        b'Z' => tm.zone.clone(),
        _ => "%".to_owned(),
    }
}

/// The ISO 8601 year and week of `tm` (glibc's `iso_week_days`).
fn iso_week(tm: &Tm) -> (i64, i64) {
    // Days since the Monday of week 1 (which holds the year's first Thursday).
    let week_days = |yday: i64| yday - (yday - tm.wday + 4 + 378).rem_euclid(7) + 3;
    let days = week_days(tm.yday);
    if days < 0 {
        let previous = tm.yday + 365 + i64::from(is_leap(tm.year - 1));
        return (tm.year - 1, week_days(previous) / 7 + 1);
    }
    let next = week_days(tm.yday - 365 - i64::from(is_leap(tm.year)));
    if next >= 0 { (tm.year + 1, next / 7 + 1) } else { (tm.year, days / 7 + 1) }
}

/* ---------- clock, difftime, getenv, setlocale ---------- */

/// `os.clock()`: CPU time of the process, in seconds.
fn clock<'gc>(
    ctx: Context<'gc>,
    _: &Host,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let cpu = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    let seconds = cpu.tv_sec as f64 + cpu.tv_nsec as f64 / 1e9;
    stack.replace(ctx, seconds);
    Ok(CallbackReturn::Return)
}

/// `os.difftime(t2, t1)`: `t2 - t1` as a float.
fn difftime<'gc>(
    ctx: Context<'gc>,
    _: &Host,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "difftime");
    let (t2, t1) = (args.integer(0)?, args.integer(1)?);
    stack.replace(ctx, t2 as f64 - t1 as f64);
    Ok(CallbackReturn::Return)
}

/// `os.getenv(name)`: the variable's value, or nil.
fn getenv<'gc>(
    ctx: Context<'gc>,
    _: &Host,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let args = Args::new(ctx, &stack[..], "getenv");
    let name = args.string(0)?.as_bytes();
    let valid = !name.is_empty() && !name.contains(&b'=') && !name.contains(&0);
    let value = valid.then(|| std::env::var_os(std::ffi::OsStr::from_bytes(name))).flatten();
    match value {
        Some(value) => stack.replace(ctx, new_string(ctx, value.into_vec())),
        None => stack.replace(ctx, Value::Nil),
    }
    Ok(CallbackReturn::Return)
}

/// `os.setlocale([locale [, category]])`: only the C locale exists.
fn setlocale<'gc>(
    ctx: Context<'gc>,
    _: &Host,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "setlocale");
    let locale = args.opt_string(0)?.map(|locale| locale.as_bytes());
    args.option(1, Some("all"), &["all", "collate", "ctype", "monetary", "numeric", "time"])?;
    let known = matches!(locale, None | Some(b"" | b"C" | b"POSIX"));
    stack.replace(ctx, if known { Value::String(ctx.intern(b"C")) } else { Value::Nil });
    Ok(CallbackReturn::Return)
}

/* ---------- exit ---------- */

/// `os.exit([code [, close]])`: under `planhost run`, flushes the output
/// and open files and ends the process; in a plan, an error.
fn exit<'gc>(
    ctx: Context<'gc>,
    host: &Host,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    if !host.sandbox.allow_exit() {
        return Err(Failure::new("os.exit is not available in a plan (use planhost run)"));
    }
    let args = Args::new(ctx, &stack[..], "exit");
    let status = match args.get(0) {
        Value::Boolean(success) => i32::from(!success),
        // C converts to int, keeping the low bits.
        _ => args.opt_integer(0)?.unwrap_or(0) as i32,
    };
    // `io.stdout` is one of the open files: this flushes the host's output too.
    flush_open_files();
    std::process::exit(status)
}

/* ---------- remove, rename ---------- */

/// `os.remove(path)`: removes a file or an empty folder in the sandbox.
fn remove<'gc>(
    ctx: Context<'gc>,
    host: &Host,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "remove");
    let path = args.string(0)?.as_bytes();
    host.sandbox.note_write(&String::from_utf8_lossy(path));
    let result = resolve_entry(&host.sandbox, path)?.and_then(|real| {
        std::fs::remove_file(&real).or_else(|error| match error.raw_os_error() {
            // EISDIR (and EPERM on some systems): C's remove() tries rmdir.
            Some(21 | 1) => std::fs::remove_dir(&real),
            _ => Err(error),
        })
    });
    match result {
        Ok(()) => stack.replace(ctx, true),
        Err(error) => push_failure(ctx, &mut stack, Some(path), &error),
    }
    Ok(CallbackReturn::Return)
}

/// `os.rename(from, to)`: both paths in the sandbox.
fn rename<'gc>(
    ctx: Context<'gc>,
    host: &Host,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "rename");
    let from = args.string(0)?.as_bytes();
    let to = args.string(1)?.as_bytes();
    host.sandbox.note_write(&String::from_utf8_lossy(from));
    host.sandbox.note_write(&String::from_utf8_lossy(to));
    let from = resolve_entry(&host.sandbox, from)?;
    let to = resolve_entry(&host.sandbox, to)?;
    match from.and_then(|from| to.and_then(|to| std::fs::rename(from, to))) {
        Ok(()) => stack.replace(ctx, true),
        Err(error) => push_failure(ctx, &mut stack, None, &error),
    }
    Ok(CallbackReturn::Return)
}
