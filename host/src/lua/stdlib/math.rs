//! The `math` library as Lua 5.4 has it, replacing piccolo 0.3.3's (which
//! panics on `math.abs(math.mininteger)`, gives floats for integer `fmod`,
//! compares through floats in `max`/`min`, and words its errors as type
//! errors). Random numbers come from Lua's own generator (xoshiro256**,
//! seeded as Lua seeds it), so `math.randomseed(n)` gives Lua's sequence.
//! Also Lua 5.1's `math.pow`.

use std::cell::Cell;
use std::f64::consts::PI;
use std::rc::Rc;

use gc_arena::Collect;
use piccolo::{CallbackReturn, Context, Execution, SequencePoll, Stack, Table, Value};

use super::args::{Args, Body, CallResult, Failure, Step, charge, library, library_with, start};
use super::compare::{Order, less_than};
use crate::lua::format::float_to_integer;

/// Replaces the functions of the `math` table piccolo created.
pub fn load_math(ctx: Context<'_>) {
    let math = match ctx.get_global("math") {
        Value::Table(math) => math,
        _ => Table::new(&ctx),
    };
    let functions: [(&str, Body); 22] = [
        ("abs", abs),
        ("ceil", ceil),
        ("floor", floor),
        ("fmod", fmod),
        ("modf", modf),
        ("sqrt", sqrt),
        ("exp", exp),
        ("log", log),
        ("sin", sin),
        ("cos", cos),
        ("tan", tan),
        ("asin", asin),
        ("acos", acos),
        ("atan", atan),
        ("deg", deg),
        ("rad", rad),
        ("max", max),
        ("min", min),
        ("tointeger", tointeger),
        ("type", lua_type),
        ("ult", ult),
        ("pow", pow),
    ];
    for (name, body) in functions {
        let _ = math.set(ctx, name, library(ctx, body));
    }
    let generator = Generator(Rc::new(Cell::new(Xoshiro::seeded(entropy(), entropy()))));
    let _ = math.set(ctx, "random", library_with(ctx, generator.clone(), random));
    let _ = math.set(ctx, "randomseed", library_with(ctx, generator, randomseed));
    let _ = math.set(ctx, "pi", PI);
    let _ = math.set(ctx, "huge", f64::INFINITY);
    let _ = math.set(ctx, "maxinteger", i64::MAX);
    let _ = math.set(ctx, "mininteger", i64::MIN);
    let _ = ctx.set_global("math", math);
}

/* ---------- helpers ---------- */

/// Returns one value.
fn give<'gc>(
    ctx: Context<'gc>,
    mut stack: Stack<'gc, '_>,
    value: impl Into<Value<'gc>>,
) -> CallResult<'gc> {
    stack.replace(ctx, value.into());
    Ok(CallbackReturn::Return)
}

/// Lua's `pushnumint`: an integral float as an integer when it fits.
fn integral<'gc>(x: f64) -> Value<'gc> {
    float_to_integer(x).map_or(Value::Number(x), Value::Integer)
}

/// A function of one float argument giving a float.
fn unary<'gc>(
    ctx: Context<'gc>,
    stack: Stack<'gc, '_>,
    name: &'static str,
    f: fn(f64) -> f64,
) -> CallResult<'gc> {
    let x = Args::new(ctx, &stack[..], name).number(0)?;
    give(ctx, stack, f(x))
}

/* ---------- integers and rounding ---------- */

/// `math.abs(x)`: integers wrap as in Lua (`math.abs(math.mininteger)` is
/// `math.mininteger`).
fn abs<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    match stack.get(0) {
        Value::Integer(n) => give(ctx, stack, n.wrapping_abs()),
        _ => unary(ctx, stack, "abs", f64::abs),
    }
}

fn floor<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    round(ctx, stack, "floor", f64::floor)
}

fn ceil<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    round(ctx, stack, "ceil", f64::ceil)
}

/// `floor` and `ceil`: an integer is its own result; a float's result is
/// an integer when it fits, else a float (`math.floor(1e100)`).
fn round<'gc>(
    ctx: Context<'gc>,
    stack: Stack<'gc, '_>,
    name: &'static str,
    f: fn(f64) -> f64,
) -> CallResult<'gc> {
    if let Value::Integer(n) = stack.get(0) {
        return give(ctx, stack, n);
    }
    let x = Args::new(ctx, &stack[..], name).number(0)?;
    give(ctx, stack, integral(f(x)))
}

/// `math.fmod(a, b)`: the remainder of the division rounded toward zero.
/// Two integers give an integer (a zero divisor is an error); otherwise
/// C's `fmod`.
fn fmod<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "fmod");
    if let (Value::Integer(a), Value::Integer(b)) = (args.get(0), args.get(1)) {
        let remainder = match b {
            0 => return Err(args.bad(1, "zero")),
            // `mininteger % -1` overflows in the division; the result is 0.
            -1 => 0,
            _ => a % b,
        };
        return give(ctx, stack, remainder);
    }
    // Lua's C code happens to check the second argument first.
    let b = args.number(1)?;
    let a = args.number(0)?;
    // Rust's float `%` is C's `fmod`.
    give(ctx, stack, a % b)
}

/// `math.modf(x)`: the integral part (an integer when it fits) and the
/// fractional part (a float).
fn modf<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let (whole, fraction) = match stack.get(0) {
        Value::Integer(n) => (Value::Integer(n), 0.0),
        _ => {
            let x = Args::new(ctx, &stack[..], "modf").number(0)?;
            let whole = if x < 0.0 { x.ceil() } else { x.floor() };
            // Infinities have no fractional part (`inf - inf` would be NaN).
            (integral(whole), if x == whole { 0.0 } else { x - whole })
        }
    };
    stack.clear();
    stack.push_back(whole);
    stack.push_back(Value::Number(fraction));
    Ok(CallbackReturn::Return)
}

/// `math.tointeger(x)`: integers, integral floats and strings that convert
/// to one; anything else gives `nil`.
fn tointeger<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "tointeger");
    let value = args.any(0)?;
    let result = super::args::to_integer(value).map_or(Value::Nil, Value::Integer);
    give(ctx, stack, result)
}

/// `math.type(x)`: `"integer"`, `"float"`, or `nil` for anything else
/// (numeric strings included).
fn lua_type<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let result = match Args::new(ctx, &stack[..], "type").any(0)? {
        Value::Integer(_) => Value::String(ctx.intern(b"integer")),
        Value::Number(_) => Value::String(ctx.intern(b"float")),
        _ => Value::Nil,
    };
    give(ctx, stack, result)
}

/// `math.ult(a, b)`: `a < b` with both taken as unsigned.
fn ult<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "ult");
    let (a, b) = (args.integer(0)?, args.integer(1)?);
    give(ctx, stack, (a as u64) < (b as u64))
}

/* ---------- floating point ---------- */

fn sqrt<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "sqrt", f64::sqrt)
}

fn exp<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "exp", f64::exp)
}

fn sin<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "sin", f64::sin)
}

fn cos<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "cos", f64::cos)
}

fn tan<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "tan", f64::tan)
}

fn asin<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "asin", f64::asin)
}

fn acos<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "acos", f64::acos)
}

/// `math.deg(x)`, multiplying by `180 / pi` as Lua does (not `to_degrees`,
/// which may round differently).
fn deg<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "deg", |x| x * (180.0 / PI))
}

fn rad<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    unary(ctx, stack, "rad", |x| x * (PI / 180.0))
}

/// `math.atan(y [, x])`: the angle of `(x, y)`; `x` defaults to 1.
fn atan<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "atan");
    let y = args.number(0)?;
    let x = args.opt_number(1)?.unwrap_or(1.0);
    give(ctx, stack, y.atan2(x))
}

/// `math.log(x [, base])`: bases 2 and 10 use their exact functions.
fn log<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "log");
    let x = args.number(0)?;
    let result = match args.opt_number(1)? {
        None => x.ln(),
        Some(2.0) => x.log2(),
        Some(10.0) => x.log10(),
        Some(base) => x.ln() / base.ln(),
    };
    give(ctx, stack, result)
}

/// `math.pow(x, y)` (Lua 5.1): `x ^ y`.
fn pow<'gc>(
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "pow");
    let (x, y) = (args.number(0)?, args.number(1)?);
    give(ctx, stack, x.powf(y))
}

/* ---------- max, min ---------- */

fn max<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    extreme(ctx, exec, stack, "max", true)
}

fn min<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    extreme(ctx, exec, stack, "min", false)
}

/// `max` and `min`: the first argument no other is greater (less) than,
/// compared with Lua's `<` (numbers exactly, strings, `__lt`).
fn extreme<'gc>(
    ctx: Context<'gc>,
    exec: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
    name: &'static str,
    largest: bool,
) -> CallResult<'gc> {
    Args::new(ctx, &stack[..], name).any(0)?;
    let values: Vec<Value<'gc>> = stack.drain(..).collect();
    charge(exec, values.len());
    start(Extreme { values, best: 0, next: 1, largest, waiting: false }, ctx, exec, stack)
}

/// A `max` or `min` in progress (it waits while an `__lt` runs).
#[derive(Collect)]
#[collect(no_drop)]
struct Extreme<'gc> {
    values: Vec<Value<'gc>>,
    #[collect(require_static)]
    best: usize,
    #[collect(require_static)]
    next: usize,
    #[collect(require_static)]
    largest: bool,
    /// Whether an `__lt` call for `values[next - 1]` is running.
    #[collect(require_static)]
    waiting: bool,
}

impl<'gc> Step<'gc> for Extreme<'gc> {
    fn step(
        &mut self,
        ctx: Context<'gc>,
        _: &mut Execution<'gc, '_>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<SequencePoll<'gc>, Failure> {
        if self.waiting {
            self.waiting = false;
            if stack.get(0).to_bool() {
                self.best = self.next - 1;
            }
        }
        stack.clear();
        while let Some(&candidate) = self.values.get(self.next) {
            self.next += 1;
            let best = self.values[self.best];
            // Lua asks `best < candidate` for max, `candidate < best` for min.
            let (a, b) = if self.largest { (best, candidate) } else { (candidate, best) };
            match less_than(ctx, a, b)? {
                Order::Known(true) => self.best = self.next - 1,
                Order::Known(false) => {}
                Order::Call(function) => {
                    stack.extend([a, b]);
                    self.waiting = true;
                    return Ok(SequencePoll::Call { function, is_tail: false });
                }
            }
        }
        stack.push_back(self.values[self.best]);
        Ok(SequencePoll::Return)
    }
}

/* ---------- random numbers ---------- */

/// Lua 5.4's generator, xoshiro256**.
#[derive(Clone, Copy)]
struct Xoshiro([u64; 4]);

impl Xoshiro {
    /// Lua's `setseed`: the state from two seeds, 16 values discarded.
    fn seeded(n1: u64, n2: u64) -> Xoshiro {
        let mut generator = Xoshiro([n1, 0xff, n2, 0]);
        for _ in 0..16 {
            generator.next();
        }
        generator
    }

    fn next(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.0;
        let s2 = s2 ^ s0;
        let s3 = s3 ^ s1;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        self.0 = [s0 ^ s3, s1 ^ s2, s2 ^ (s1 << 17), s3.rotate_left(45)];
        result
    }

    /// Lua's `project`: `random` reduced to `[0, n]` without bias, drawing
    /// again while it falls outside.
    fn project(&mut self, random: u64, n: u64) -> u64 {
        if n & n.wrapping_add(1) == 0 {
            return random & n;
        }
        // The smallest 2^b - 1 not below n.
        let limit = u64::MAX >> n.leading_zeros();
        let mut random = random & limit;
        while random > n {
            random = self.next() & limit;
        }
        random
    }
}

/// A float in `[0, 1)` from the top 53 bits (Lua's `I2d`).
fn unit_float(random: u64) -> f64 {
    (random >> 11) as f64 * (0.5 / (1u64 << 52) as f64)
}

/// The generator `random` and `randomseed` share.
#[derive(Clone, Collect)]
#[collect(require_static)]
struct Generator(Rc<Cell<Xoshiro>>);

/// A seed for a state nobody seeded (Lua uses the time and an address).
fn entropy() -> u64 {
    let mut bytes = [0; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_ne_bytes(bytes),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

/// `math.random([m [, n]])`: a float in `[0, 1)`, or an integer in
/// `[1, m]` or `[m, n]`; `math.random(0)` gives all 64 bits.
fn random<'gc>(
    generator: &Generator,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let mut state = generator.0.get();
    // As in Lua, a value is drawn before the arguments are checked.
    let drawn = state.next();
    generator.0.set(state);
    let args = Args::new(ctx, &stack[..], "random");
    let (low, high) = match args.len() {
        0 => return give(ctx, stack, unit_float(drawn)),
        1 => match args.integer(0)? {
            0 => return give(ctx, stack, drawn as i64),
            high => (1, high),
        },
        2 => (args.integer(0)?, args.integer(1)?),
        _ => return Err(Failure::new("wrong number of arguments")),
    };
    if low > high {
        return Err(args.bad(0, "interval is empty"));
    }
    let offset = state.project(drawn, (high as u64).wrapping_sub(low as u64));
    generator.0.set(state);
    give(ctx, stack, offset.wrapping_add(low as u64) as i64)
}

/// `math.randomseed([n1 [, n2]])`: seeds the generator as Lua does and
/// returns the two seeds; without arguments, a fresh random seed.
fn randomseed<'gc>(
    generator: &Generator,
    ctx: Context<'gc>,
    _: &mut Execution<'gc, '_>,
    mut stack: Stack<'gc, '_>,
) -> CallResult<'gc> {
    let args = Args::new(ctx, &stack[..], "randomseed");
    let (n1, n2) = if args.len() == 0 {
        (entropy() as i64, entropy() as i64)
    } else {
        (args.integer(0)?, args.opt_integer(1)?.unwrap_or(0))
    };
    generator.0.set(Xoshiro::seeded(n1 as u64, n2 as u64));
    stack.clear();
    stack.push_back(Value::Integer(n1));
    stack.push_back(Value::Integer(n2));
    Ok(CallbackReturn::Return)
}

#[cfg(test)]
mod tests {
    use super::{Xoshiro, unit_float};

    #[test]
    fn projection_stays_in_range() {
        let mut generator = Xoshiro::seeded(42, 0);
        for n in [0, 1, 2, 5, 99, u64::MAX >> 1, u64::MAX - 1, u64::MAX] {
            for _ in 0..100 {
                let drawn = generator.next();
                assert!(generator.project(drawn, n) <= n);
            }
        }
    }

    #[test]
    fn floats_are_below_one() {
        assert_eq!(unit_float(0), 0.0);
        assert!(unit_float(u64::MAX) < 1.0);
    }
}
