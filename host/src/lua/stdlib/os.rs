//! The `os` library: Lua 5.4's `time`, `date`, `clock`, `difftime`,
//! `getenv`, `setlocale`, `exit` (only under `planhost run`), and `remove`
//! and `rename` inside the sandbox. No `execute` and no `tmpname`.
//!
//! Dates are computed here, without the C library: [`strftime`] does glibc's
//! C-locale conversions and [`zone`] reads the local time zone the way glibc
//! does (`TZ` as a zoneinfo name, a file or a POSIX rule; else
//! `/etc/localtime`; UTC when neither is usable).

use std::time::{SystemTime, UNIX_EPOCH};

use piccolo::{Callback, CallbackReturn, Context, Execution, Stack, Table, Value};

use super::io::{self as lua_io, Args, Failure};
use crate::lua::format::{self, Number};
use crate::lua::sandbox::Sandbox;

type CallResult<'gc> = Result<CallbackReturn<'gc>, Failure>;

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
        let callback = Callback::from_fn(&ctx, move |ctx, mut exec, stack| {
            body(ctx, &host, &mut exec, stack).map_err(|failure| failure.raise(ctx, &exec))
        });
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
    let zone = zone::local();
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
    let integer = match lua_io::to_number(value) {
        Some(Number::Integer(n)) => Some(n),
        Some(Number::Float(x)) => format::float_to_integer(x),
        None => None,
    };
    let Some(n) = integer else {
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
        Some(rest) => (Tm::at(t, &zone::LocalType::gmt()), rest),
        None => (Tm::at(t, zone::local().at(t)), format),
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
    lua_io::charge(exec, text.len());
    stack.replace(ctx, lua_io::new_string(ctx, text));
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
    fn at(t: i64, local: &zone::LocalType) -> Option<Tm> {
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
        Some(value) => stack.replace(ctx, lua_io::new_string(ctx, value.into_vec())),
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
        _ => args.opt_integer(0, 0)? as i32,
    };
    // `io.stdout` is one of the open files: this flushes the host's output too.
    lua_io::flush_open_files();
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
    let result = lua_io::resolve_entry(&host.sandbox, path)?.and_then(|real| {
        std::fs::remove_file(&real).or_else(|error| match error.raw_os_error() {
            // EISDIR (and EPERM on some systems): C's remove() tries rmdir.
            Some(21 | 1) => std::fs::remove_dir(&real),
            _ => Err(error),
        })
    });
    match result {
        Ok(()) => stack.replace(ctx, true),
        Err(error) => lua_io::push_failure(ctx, &mut stack, Some(path), &error),
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
    let from = lua_io::resolve_entry(&host.sandbox, from)?;
    let to = lua_io::resolve_entry(&host.sandbox, to)?;
    match from.and_then(|from| to.and_then(|to| std::fs::rename(from, to))) {
        Ok(()) => stack.replace(ctx, true),
        Err(error) => lua_io::push_failure(ctx, &mut stack, None, &error),
    }
    Ok(CallbackReturn::Return)
}

/* ---------- time zones ---------- */

/// Local time rules read as glibc reads them, without the C library: a
/// TZif file (RFC 8536) with its POSIX footer rule, or a POSIX `TZ` rule.
mod zone {
    use std::path::PathBuf;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::{civil_from_days, days_from_civil, is_leap};

    /// One kind of local time: offset, daylight saving flag, abbreviation.
    #[derive(Debug, Clone, PartialEq)]
    pub struct LocalType {
        /// Seconds east of UTC.
        pub utoff: i64,
        pub isdst: bool,
        pub abbreviation: String,
    }

    impl LocalType {
        /// UTC as glibc's `gmtime` names it.
        pub fn gmt() -> LocalType {
            LocalType { utoff: 0, isdst: false, abbreviation: "GMT".to_owned() }
        }

        fn utc() -> LocalType {
            LocalType { utoff: 0, isdst: false, abbreviation: "UTC".to_owned() }
        }
    }

    /// A time zone: a POSIX rule, or a zoneinfo file.
    #[derive(Debug)]
    pub enum Zone {
        Rule(Rule),
        File(TzFile),
    }

    /// The process's local zone, read once.
    pub fn local() -> &'static Zone {
        static LOCAL: OnceLock<Zone> = OnceLock::new();
        LOCAL.get_or_init(load_local)
    }

    /// glibc's choice: `TZ` unset means `/etc/localtime`; empty means UTC;
    /// otherwise a zoneinfo file (`:` prefix optional) or a POSIX rule.
    fn load_local() -> Zone {
        let utc = || Zone::Rule(Rule { std: LocalType::utc(), dst: None });
        let Some(tz) = std::env::var_os("TZ") else {
            return from_file(PathBuf::from("/etc/localtime")).unwrap_or_else(utc);
        };
        let tz = tz.to_string_lossy();
        let name = tz.strip_prefix(':').unwrap_or(&tz);
        if name.is_empty() {
            return utc();
        }
        let path = if name.starts_with('/') {
            PathBuf::from(name)
        } else {
            let dir = std::env::var_os("TZDIR").unwrap_or_else(|| "/usr/share/zoneinfo".into());
            PathBuf::from(dir).join(name)
        };
        from_file(path).unwrap_or_else(|| Zone::Rule(parse_rule(name)))
    }

    fn from_file(path: PathBuf) -> Option<Zone> {
        let data = std::fs::read(path).ok()?;
        parse_tzif(&data).map(Zone::File)
    }

    impl Zone {
        /// The local time in force at `t` (seconds since the epoch).
        pub fn at(&self, t: i64) -> &LocalType {
            match self {
                Zone::Rule(rule) => rule.at(t),
                Zone::File(file) => file.at(t),
            }
        }

        /// glibc's `mktime`: the time whose local time is `local` (seconds
        /// since the epoch as if local time were UTC); `isdst` is -1
        /// (unknown), 0 or 1. Like glibc, it starts from the offset the
        /// previous call found, which decides ambiguous and skipped times.
        /// `local` counts the date and time up to the minute; `sec` is the
        /// seconds field, which glibc clamps to 0..=59 while probing.
        pub fn mktime(&self, local: i64, sec: i64, isdst: i32) -> Option<i64> {
            static LAST_OFFSET: AtomicI64 = AtomicI64::new(0);
            let clamped = sec.clamp(0, 59);
            let local = local + clamped;
            let t = self.probe(local, isdst, LAST_OFFSET.load(Ordering::Relaxed))?;
            LAST_OFFSET.store(t - local, Ordering::Relaxed);
            Some(t + sec - clamped)
        }

        fn probe(&self, local: i64, isdst: i32, guess: i64) -> Option<i64> {
            let t0 = local + guess;
            let (mut t, mut t1, mut t2) = (t0, t0, t0);
            let mut dst2 = false;
            let mut probes = 6;
            let found = loop {
                let here = self.at(t);
                let dt = local - (t + here.utoff);
                if dt == 0 {
                    break here;
                }
                // Oscillating between two times: `local` falls in a gap.
                let stop = if isdst < 0 { dst2 <= here.isdst } else { (isdst != 0) != here.isdst };
                if t == t1 && t != t2 && stop {
                    return Some(t);
                }
                probes -= 1;
                if probes == 0 {
                    return None;
                }
                (t1, t2, t, dst2) = (t2, t, t + dt, here.isdst);
            };
            if isdst >= 0 && (isdst != 0) != found.isdst {
                return Some(self.with_requested_dst(local, t, isdst != 0));
            }
            Some(t)
        }

        /// The requested daylight saving flag differs from the one in force:
        /// use the offset of the nearest time that has it (glibc's probes),
        /// else assume a one-hour difference.
        fn with_requested_dst(&self, local: i64, t: i64, want: bool) -> i64 {
            const STRIDE: i64 = 601_200;
            const BOUND: i64 = 457_243_200 / 2 + STRIDE;
            let mut delta = STRIDE;
            while delta < BOUND {
                for probe in [t - delta, t + delta] {
                    let other = self.at(probe);
                    if other.isdst == want {
                        return local - other.utoff;
                    }
                }
                delta += STRIDE;
            }
            if want { t - 3_600 } else { t + 3_600 }
        }
    }

    /* ----- POSIX rules ----- */

    /// A POSIX `TZ` rule: standard time and, maybe, daylight saving time.
    #[derive(Debug)]
    pub struct Rule {
        std: LocalType,
        dst: Option<Dst>,
    }

    #[derive(Debug)]
    struct Dst {
        local: LocalType,
        start: Boundary,
        end: Boundary,
    }

    /// When a period starts: a day of the year and a local time of day.
    #[derive(Debug)]
    struct Boundary {
        day: RuleDay,
        time: i64,
    }

    #[derive(Debug)]
    enum RuleDay {
        /// `Jn`: 1 to 365, February 29 never counted.
        Julian(i64),
        /// `n`: 0 to 365, February 29 counted.
        Zero(i64),
        /// `Mm.w.d`: weekday `d` of week `w` (5 = last) of month `m`.
        Month(i64, i64, i64),
    }

    impl Rule {
        /// glibc's `__tz_compute`: the year is `t`'s year in UTC.
        fn at(&self, t: i64) -> &LocalType {
            let Some(dst) = &self.dst else { return &self.std };
            let (year, _, _) = civil_from_days(t.div_euclid(86_400));
            let start = dst.start.local_seconds(year) - self.std.utoff;
            let end = dst.end.local_seconds(year) - dst.local.utoff;
            let in_dst = if start < end { start <= t && t < end } else { !(end <= t && t < start) };
            if in_dst { &dst.local } else { &self.std }
        }
    }

    impl Boundary {
        /// glibc's `compute_change`, which counts days from 1970-01-01 for
        /// any year up to 1970 (so earlier years never see a transition).
        fn local_seconds(&self, year: i64) -> i64 {
            let january_first = if year > 1970 { days_from_civil(year, 1, 1) } else { 0 };
            (january_first + self.day.day_of_year(year)) * 86_400 + self.time
        }
    }

    impl RuleDay {
        /// 0-based day of the year.
        fn day_of_year(&self, year: i64) -> i64 {
            match *self {
                RuleDay::Julian(n) => n - 1 + i64::from(is_leap(year) && n >= 60),
                RuleDay::Zero(n) => n,
                RuleDay::Month(month, week, weekday) => {
                    let first = days_from_civil(year, month, 1);
                    let next = if month == 12 {
                        days_from_civil(year + 1, 1, 1)
                    } else {
                        days_from_civil(year, month + 1, 1)
                    };
                    let mut day = first + (weekday - (first + 4)).rem_euclid(7) + 7 * (week - 1);
                    while day >= next {
                        day -= 7;
                    }
                    day - days_from_civil(year, 1, 1)
                }
            }
        }
    }

    /// Parses a POSIX `TZ` value such as `CET-1CEST,M3.5.0,M10.5.0/3`. Like
    /// glibc, a value that does not parse keeps what did: its name (or
    /// none) at offset 0, or standard time without daylight saving time.
    pub fn parse_rule(text: &str) -> Rule {
        let mut p = Parser { s: text.as_bytes(), pos: 0 };
        let unnamed = |name: String| LocalType { utoff: 0, isdst: false, abbreviation: name };
        let Some(std_name) = p.name() else {
            return Rule { std: unnamed(String::new()), dst: None };
        };
        let Some(offset) = p.hms() else { return Rule { std: unnamed(std_name), dst: None } };
        let std = LocalType { utoff: -offset, isdst: false, abbreviation: std_name };
        let dst = daylight_saving(&mut p, &std);
        Rule { std, dst }
    }

    /// The daylight saving part of a POSIX `TZ` value, after standard time.
    fn daylight_saving(p: &mut Parser<'_>, std: &LocalType) -> Option<Dst> {
        let name = p.name()?;
        let utoff = match p.peek() {
            None | Some(b',') => std.utoff + 3_600,
            _ => -p.hms()?,
        };
        let local = LocalType { utoff, isdst: true, abbreviation: name };
        let (start, end) = if p.done() || p.rest() == b"," {
            // glibc's default: the United States rules.
            let at_two = |day| Boundary { day, time: 7_200 };
            (at_two(RuleDay::Month(3, 2, 0)), at_two(RuleDay::Month(11, 1, 0)))
        } else {
            p.eat(b',');
            let start = p.boundary()?;
            p.eat(b',');
            (start, p.boundary()?)
        };
        Some(Dst { local, start, end })
    }

    struct Parser<'a> {
        s: &'a [u8],
        pos: usize,
    }

    impl Parser<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.pos).copied()
        }

        fn done(&self) -> bool {
            self.pos >= self.s.len()
        }

        fn rest(&self) -> &[u8] {
            self.s.get(self.pos..).unwrap_or_default()
        }

        fn eat(&mut self, b: u8) -> bool {
            let found = self.peek() == Some(b);
            self.pos += usize::from(found);
            found
        }

        fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &[u8] {
            let start = self.pos;
            while self.peek().is_some_and(&keep) {
                self.pos += 1;
            }
            &self.s[start..self.pos]
        }

        /// A zone abbreviation: three or more letters, or `<...>`.
        fn name(&mut self) -> Option<String> {
            let quoted = self.eat(b'<');
            let name = if quoted {
                self.take_while(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
            } else {
                self.take_while(|b| b.is_ascii_alphabetic())
            };
            let name = String::from_utf8_lossy(name).into_owned();
            (name.len() >= 3 && (!quoted || self.eat(b'>'))).then_some(name)
        }

        fn number(&mut self) -> Option<i64> {
            let digits = self.take_while(|b| b.is_ascii_digit());
            if digits.is_empty() {
                return None;
            }
            Some(
                digits
                    .iter()
                    .fold(0, |n: i64, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0'))),
            )
        }

        /// `[+-]hh[:mm[:ss]]` in seconds, each part clamped as glibc does.
        fn hms(&mut self) -> Option<i64> {
            let sign = if self.eat(b'-') {
                -1
            } else {
                self.eat(b'+');
                1
            };
            let mut seconds = self.number()?.min(24) * 3_600;
            if self.eat(b':') {
                seconds += self.number()?.min(59) * 60;
                if self.eat(b':') {
                    seconds += self.number()?.min(59);
                }
            }
            Some(sign * seconds)
        }

        /// A rule's time of day: `[+-]hh[:mm[:ss]]`, hours up to 167.
        fn time_of_day(&mut self) -> Option<i64> {
            let sign = if self.eat(b'-') { -1 } else { 1 };
            let mut seconds = self.number()?.min(167) * 3_600;
            if self.eat(b':') {
                seconds += self.number()?.min(59) * 60;
                if self.eat(b':') {
                    seconds += self.number()?.min(59);
                }
            }
            Some(sign * seconds)
        }

        /// `Jn`, `n` or `Mm.w.d`, then an optional `/time` (default 02:00).
        fn boundary(&mut self) -> Option<Boundary> {
            let in_range = |n: i64, low: i64, high: i64| (low..=high).contains(&n).then_some(n);
            let day = if self.eat(b'J') {
                RuleDay::Julian(in_range(self.number()?, 1, 365)?)
            } else if self.eat(b'M') {
                let month = in_range(self.number()?, 1, 12)?;
                self.eat(b'.').then_some(())?;
                let week = in_range(self.number()?, 1, 5)?;
                self.eat(b'.').then_some(())?;
                RuleDay::Month(month, week, in_range(self.number()?, 0, 6)?)
            } else {
                RuleDay::Zero(in_range(self.number()?, 0, 365)?)
            };
            let time = if self.eat(b'/') { self.time_of_day()? } else { 7_200 };
            Some(Boundary { day, time })
        }
    }

    /* ----- TZif files ----- */

    /// A zoneinfo file: transitions, local time types, and the footer rule
    /// for times after the last transition.
    #[derive(Debug)]
    pub struct TzFile {
        transitions: Vec<i64>,
        /// Index into `types` of each transition.
        kinds: Vec<usize>,
        types: Vec<LocalType>,
        rule: Option<Rule>,
    }

    impl TzFile {
        fn at(&self, t: i64) -> &LocalType {
            let first_standard = || self.types.iter().find(|kind| !kind.isdst);
            match (self.transitions.first(), self.transitions.last()) {
                (Some(&first), _) if t < first => first_standard().unwrap_or(&self.types[0]),
                (None, _) => first_standard().unwrap_or(&self.types[0]),
                (_, Some(&last)) if t >= last && self.rule.is_some() => {
                    self.rule.as_ref().map_or(&self.types[0], |rule| rule.at(t))
                }
                _ => {
                    let i = self.transitions.partition_point(|&start| start <= t) - 1;
                    &self.types[self.kinds[i]]
                }
            }
        }
    }

    /// The counts in a TZif header.
    struct Header {
        version: u8,
        isut: usize,
        isstd: usize,
        leap: usize,
        times: usize,
        types: usize,
        chars: usize,
    }

    const HEADER_LEN: usize = 44;

    impl Header {
        fn read(data: &[u8], at: usize) -> Option<Header> {
            let header = data.get(at..at + HEADER_LEN)?;
            if &header[..4] != b"TZif" {
                return None;
            }
            let count = |i: usize| {
                let bytes: [u8; 4] = header[20 + 4 * i..24 + 4 * i].try_into().ok()?;
                usize::try_from(u32::from_be_bytes(bytes)).ok()
            };
            Some(Header {
                version: header[4],
                isut: count(0)?,
                isstd: count(1)?,
                leap: count(2)?,
                times: count(3)?,
                types: count(4)?,
                chars: count(5)?,
            })
        }

        /// Bytes of the data block with `size`-byte times.
        fn block_len(&self, size: usize) -> usize {
            self.times * (size + 1)
                + self.types * 6
                + self.chars
                + self.leap * (size + 4)
                + self.isstd
                + self.isut
        }

        fn block(&self, data: &[u8], at: usize, size: usize) -> Option<TzFile> {
            let block = data.get(at..at.checked_add(self.block_len(size))?)?;
            let (times, rest) = block.split_at(self.times * size);
            let (kinds, rest) = rest.split_at(self.times);
            let (types, rest) = rest.split_at(self.types * 6);
            let chars = &rest[..self.chars];
            let transitions = times.chunks_exact(size).map(be_int).collect();
            let kinds: Vec<usize> = kinds.iter().map(|&k| usize::from(k)).collect();
            let types: Vec<LocalType> =
                types.chunks_exact(6).map(|t| local_type(t, chars)).collect::<Option<_>>()?;
            if types.is_empty() || kinds.iter().any(|&k| k >= types.len()) {
                return None;
            }
            Some(TzFile { transitions, kinds, types, rule: None })
        }
    }

    /// A big-endian signed integer of 4 or 8 bytes.
    fn be_int(bytes: &[u8]) -> i64 {
        match bytes.len() {
            4 => i64::from(i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
            _ => bytes.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)) as i64,
        }
    }

    fn local_type(entry: &[u8], chars: &[u8]) -> Option<LocalType> {
        let utoff = be_int(&entry[..4]);
        let name = chars.get(usize::from(entry[5])..)?;
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        let abbreviation = String::from_utf8_lossy(name).into_owned();
        Some(LocalType { utoff, isdst: entry[4] != 0, abbreviation })
    }

    /// Parses a TZif file: the 64-bit data and footer of version 2 and
    /// later, else the 32-bit data.
    pub fn parse_tzif(data: &[u8]) -> Option<TzFile> {
        let first = Header::read(data, 0)?;
        if first.version == 0 {
            return first.block(data, HEADER_LEN, 4);
        }
        let second_at = HEADER_LEN + first.block_len(4);
        let second = Header::read(data, second_at)?;
        let block_at = second_at + HEADER_LEN;
        let mut file = second.block(data, block_at, 8)?;
        let footer = data.get(block_at + second.block_len(8)..).unwrap_or_default();
        let footer = footer.strip_prefix(b"\n").unwrap_or_default();
        let footer = &footer[..footer.iter().position(|&b| b == b'\n').unwrap_or(0)];
        file.rule = std::str::from_utf8(footer).ok().filter(|f| !f.is_empty()).map(parse_rule);
        Some(file)
    }
}
