//! Lua's `<` as library functions apply it (`lua_compare`): numbers
//! exactly (an integer and a float compare by value, not through a float),
//! strings byte by byte, anything else through an `__lt` metamethod.

use piccolo::{Context, Function, Value, meta_ops};

use super::args::{Failure, metafield, type_name};

/// How one comparison is answered.
pub(super) enum Order<'gc> {
    Known(bool),
    /// Call this function with the two values; its first result decides.
    Call(Function<'gc>),
}

/// Lua's `a < b` for the default order: numbers and strings directly,
/// other values through an `__lt` metamethod of `a` or else of `b`. The
/// error, when neither has one, is Lua's unlocated "attempt to compare".
pub(super) fn less_than<'gc>(
    ctx: Context<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Result<Order<'gc>, Failure> {
    let less = match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x < y,
        (Value::Number(x), Value::Number(y)) => x < y,
        (Value::Integer(i), Value::Number(f)) => integer_less_than_float(i, f),
        (Value::Number(f), Value::Integer(i)) => float_less_than_integer(f, i),
        (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
        _ => return lt_metamethod(ctx, a, b),
    };
    Ok(Order::Known(less))
}

fn lt_metamethod<'gc>(
    ctx: Context<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Result<Order<'gc>, Failure> {
    let method = match metafield(ctx, a, "__lt") {
        Value::Nil => metafield(ctx, b, "__lt"),
        method => method,
    };
    if method.is_nil() {
        let (x, y) = (type_name(ctx, a), type_name(ctx, b));
        return Err(Failure::plain(if x == y {
            format!("attempt to compare two {x} values")
        } else {
            format!("attempt to compare {x} with {y}")
        }));
    }
    match meta_ops::call(ctx, method) {
        Ok(function) => Ok(Order::Call(function)),
        Err(_) => Err(Failure::plain(format!("attempt to call a {} value", method.type_name()))),
    }
}

/// 2^63, the first float above every integer.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Exact `i < f` (Lua's `LTintfloat`); false when `f` is NaN.
fn integer_less_than_float(i: i64, f: f64) -> bool {
    if f.is_nan() || f < -TWO_63 {
        false
    } else if f >= TWO_63 {
        true
    } else {
        // -2^63 <= ceil(f) <= 2^63 - 1024 here: the cast is exact.
        i < f.ceil() as i64
    }
}

/// Exact `f < i` (Lua's `LTfloatint`); false when `f` is NaN.
fn float_less_than_integer(f: f64, i: i64) -> bool {
    if f.is_nan() || f >= TWO_63 {
        false
    } else if f < -TWO_63 {
        true
    } else {
        (f.floor() as i64) < i
    }
}

#[cfg(test)]
mod tests {
    use super::{TWO_63, float_less_than_integer, integer_less_than_float};

    #[test]
    fn mixed_number_comparisons_are_exact() {
        assert!(integer_less_than_float(1, 1.5));
        assert!(!integer_less_than_float(2, 1.5));
        assert!(float_less_than_integer(1.5, 2) && !float_less_than_integer(1.5, 1));
        // i64::MAX as a float rounds up to 2^63, which is above every integer.
        assert!(integer_less_than_float(i64::MAX, i64::MAX as f64));
        assert!(!float_less_than_integer(i64::MAX as f64, i64::MAX));
        assert!(!integer_less_than_float(i64::MIN, i64::MIN as f64));
        assert!(float_less_than_integer(-TWO_63, i64::MIN + 1));
        assert!(integer_less_than_float(i64::MAX, f64::INFINITY));
        assert!(!integer_less_than_float(0, f64::NAN));
        assert!(float_less_than_integer(-1e300, i64::MIN));
        assert!(!float_less_than_integer(f64::NAN, 0));
        // 2^53 + 1 is not a float: the comparison must not round it.
        assert!(float_less_than_integer(9_007_199_254_740_992.0, 9_007_199_254_740_993));
    }
}
