//! Axes of the chart: mapping data values to SVG coordinates, choosing
//! round tick values, and writing numbers compactly for SVG attributes and
//! tick labels (never `NaN` or `inf`).

use planhost_guest::format::format_number_compact;

/// Data values are clamped to this magnitude before they are scaled, so
/// sums of absurd estimates still give finite coordinates.
pub const LIMIT: f64 = 1e15;

/// Most ticks an axis asks for; the step is rounded up from range / this.
const TARGET_TICKS: f64 = 5.0;

/// A linear map from a data range onto a pixel range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    /// The data value at `from`.
    pub min: f64,
    /// The data value at `to`.
    pub max: f64,
    /// Distance between ticks, in data units.
    pub step: f64,
    /// Pixel of `min`.
    from: f64,
    /// Pixel of `max`.
    to: f64,
}

impl Axis {
    /// An axis over whole numbers `0..=max` (ranks), ticked at round whole
    /// steps.
    pub fn ranks(max: u32, from: f64, to: f64) -> Axis {
        let max = f64::from(max.max(1));
        let step = nice_step(max / TARGET_TICKS).max(1.0).round();
        Axis { min: 0.0, max, step, from, to }
    }

    /// An axis covering `low..=high` and 0, widened to round ticks.
    pub fn values(low: f64, high: f64, from: f64, to: f64) -> Axis {
        let low = clamp(low).min(0.0);
        let mut high = clamp(high).max(0.0);
        if high - low <= 0.0 {
            high = low + 1.0;
        }
        let step = nice_step((high - low) / TARGET_TICKS);
        let min = (low / step).floor() * step;
        let max = (high / step).ceil() * step;
        Axis { min, max, step, from, to }
    }

    /// The pixel of `value`, kept within the axis.
    pub fn at(&self, value: f64) -> f64 {
        let value = clamp(value).clamp(self.min, self.max);
        let fraction = (value - self.min) / (self.max - self.min);
        let pixel = self.from + fraction * (self.to - self.from);
        if pixel.is_finite() { pixel } else { self.from }
    }

    /// Tick values from `min` to `max` inclusive, at most a few dozen.
    pub fn ticks(&self) -> Vec<f64> {
        let first = (self.min / self.step).ceil() as i64;
        let last = (self.max / self.step).floor() as i64;
        (first..=last).take(50).map(|n| n as f64 * self.step).collect()
    }

    /// A tick's label with as many decimals as the step needs.
    pub fn label(&self, value: f64) -> String {
        tick_label(value, self.step)
    }
}

/// `value` made finite and within `±LIMIT`.
pub fn clamp(value: f64) -> f64 {
    if value.is_nan() { 0.0 } else { value.clamp(-LIMIT, LIMIT) }
}

/// The round step (1, 2 or 5 times a power of ten) at or above `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A tick label: `0`, `2.5`, `0.05`, or `2e6` for large values.
pub fn tick_label(value: f64, step: f64) -> String {
    let value = clamp(value);
    if value.abs() >= 1e6 {
        return format_number_compact(value);
    }
    let decimals =
        if step > 0.0 && step < 1.0 { (-step.log10().floor()).clamp(0.0, 6.0) as usize } else { 0 };
    trim(&format!("{value:.decimals$}"))
}

/// An SVG coordinate: at most one decimal, no trailing zeros, `0` for
/// anything not finite.
pub fn coord(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_owned();
    }
    trim(&format!("{value:.1}"))
}

/// Drops trailing zeros after a decimal point, and the sign of a zero.
fn trim(text: &str) -> String {
    let text =
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text };
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::{Axis, coord, nice_step, tick_label};

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(130.0), 200.0);
        assert_eq!(nice_step(0.03), 0.05);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn value_axis() {
        let axis = Axis::values(0.0, 23.0, 300.0, 0.0);
        assert_eq!((axis.min, axis.max, axis.step), (0.0, 25.0, 5.0));
        assert_eq!(axis.ticks(), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        assert_eq!(axis.at(0.0), 300.0);
        assert_eq!(axis.at(25.0), 0.0);
        assert_eq!(axis.at(12.5), 150.0);
        assert_eq!(axis.at(1e300), 0.0, "clamped to the axis");
        assert_eq!(axis.at(f64::NAN), 300.0);

        // Nothing to show: a unit range from 0.
        let flat = Axis::values(0.0, 0.0, 300.0, 0.0);
        assert_eq!((flat.min, flat.max), (0.0, 1.0));
        // Negative values widen the axis below 0.
        let negative = Axis::values(-3.0, 4.0, 300.0, 0.0);
        assert!(negative.min <= -3.0 && negative.max >= 4.0);
        // Absurd values stay finite.
        let huge = Axis::values(-f64::MAX, f64::INFINITY, 300.0, 0.0);
        assert!(huge.min.is_finite() && huge.max.is_finite() && huge.step.is_finite());
        assert!(huge.ticks().len() <= 50);
        assert!(huge.at(f64::MAX).is_finite());
    }

    #[test]
    fn rank_axis() {
        let axis = Axis::ranks(0, 0.0, 100.0);
        assert_eq!((axis.max, axis.step), (1.0, 1.0));
        let axis = Axis::ranks(2000, 0.0, 100.0);
        assert_eq!(axis.step, 500.0);
        assert_eq!(axis.ticks(), [0.0, 500.0, 1000.0, 1500.0, 2000.0]);
        assert_eq!(axis.at(1000.0), 50.0);
        let axis = Axis::ranks(7, 0.0, 100.0);
        assert_eq!(axis.step, 2.0);
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(coord(12.0), "12");
        assert_eq!(coord(12.34), "12.3");
        assert_eq!(coord(-0.01), "0");
        assert_eq!(coord(f64::NAN), "0");
        assert_eq!(coord(f64::INFINITY), "0");
        assert_eq!(tick_label(10.0, 5.0), "10");
        assert_eq!(tick_label(0.15, 0.05), "0.15");
        assert_eq!(tick_label(0.2, 0.1), "0.2");
        assert_eq!(tick_label(2_500_000.0, 500_000.0), "2.5e6");
        assert_eq!(tick_label(1e300, 1e299), "1e15");
    }
}
