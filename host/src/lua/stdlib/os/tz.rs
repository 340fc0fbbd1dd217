//! Local time rules read as glibc reads them, without the C library: a
//! TZif file (RFC 8536) with its POSIX footer rule, or a POSIX `TZ` rule.

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
