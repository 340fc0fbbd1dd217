//! How each skill's lines look: a colour, a dash pattern and a marker
//! shape, so that no two skills look alike and every line can be told
//! apart without its colour.
//!
//! Skill `i` takes colour `i % 8`, dash pattern `i % 5` and marker `i % 9`.
//! The three list lengths have no common factor, so the (dash, marker)
//! pair, which needs no colour to see, first repeats at skill 45 (5 x 9),
//! and the whole look at skill 360 (8 x 5 x 9). The colours leave out
//! reds and greens: the cutline is red and the feasible line green, as in
//! the work table.

use std::fmt::Write;

use super::axis::coord;

/// Line colours. None is a red or a green (hues at least 30 degrees from
/// the cutline's and the feasible line's) and each stands out against
/// white at least 3:1, as the guidelines for graphics ask (WCAG 1.4.11).
pub const PALETTE: [&str; 8] = [
    "#1f77b4", // blue
    "#c56a00", // orange
    "#7b3fa0", // purple
    "#13899b", // teal
    "#9a7d0a", // ochre
    "#c2378f", // magenta
    "#2c3e91", // indigo
    "#6b6b6b", // grey
];

/// `stroke-dasharray` of the running demand lines: solid, long dashes,
/// dots, dash-dot and dash-dot-dot. None is the supply lines' even
/// [`SUPPLY_DASH`](super::SUPPLY_DASH).
pub const DASHES: [&str; 5] = ["", "10 4", "2 3", "10 3 2 3", "10 3 2 3 2 3"];

/// Marker shapes: five filled, then four hollow.
pub const MARKERS: [Marker; 9] = [
    Marker { shape: Shape::Circle, filled: true },
    Marker { shape: Shape::Square, filled: true },
    Marker { shape: Shape::TriangleUp, filled: true },
    Marker { shape: Shape::Diamond, filled: true },
    Marker { shape: Shape::TriangleDown, filled: true },
    Marker { shape: Shape::Circle, filled: false },
    Marker { shape: Shape::Square, filled: false },
    Marker { shape: Shape::TriangleUp, filled: false },
    Marker { shape: Shape::Diamond, filled: false },
];

/// What a hollow marker is filled with: the paper the chart is drawn on.
const PAPER: &str = "#fff";

/// One skill's look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Look {
    pub colour: &'static str,
    /// `stroke-dasharray`, empty for a solid line.
    pub dash: &'static str,
    pub marker: Marker,
}

/// A marker drawn on a skill's lines and in its legend entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Marker {
    pub shape: Shape,
    /// Filled with the line's colour, or hollow (filled with the paper).
    pub filled: bool,
}

/// The outline of a [`Marker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
}

/// The look of the skill at `index` in the chart's skill order.
pub fn look(index: usize) -> Look {
    Look {
        colour: PALETTE[index % PALETTE.len()],
        dash: DASHES[index % DASHES.len()],
        marker: MARKERS[index % MARKERS.len()],
    }
}

impl Look {
    /// `fill` of the skill's markers.
    pub fn marker_fill(&self) -> &'static str {
        if self.marker.filled { self.colour } else { PAPER }
    }
}

impl Marker {
    /// Appends path data drawing this marker centred on `(x, y)`: an
    /// absolute move to the shape's first corner, then relative steps, so
    /// every copy of a shape has the same steps.
    pub fn push_path(&self, d: &mut String, x: f64, y: f64) {
        let (start_x, start_y, steps) = match self.shape {
            Shape::Circle => (x - 3.5, y, "a3.5,3.5 0 1 0 7,0a3.5,3.5 0 1 0 -7,0z"),
            Shape::Square => (x - 3.2, y - 3.2, "h6.4v6.4h-6.4z"),
            Shape::TriangleUp => (x, y - 4.5, "l4.5,8h-9z"),
            Shape::Diamond => (x, y - 4.5, "l4.5,4.5l-4.5,4.5l-4.5,-4.5z"),
            Shape::TriangleDown => (x, y + 4.5, "l4.5,-8h-9z"),
        };
        let _ = write!(d, "M{},{}{steps}", coord(start_x), coord(start_y));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{DASHES, MARKERS, PALETTE, look};
    use crate::chart::{CUTLINE, FEASIBLE, SUPPLY_DASH};

    /// `#rrggbb` as red, green and blue from 0 to 1.
    fn rgb(colour: &str) -> [f64; 3] {
        let channel = |at: usize| f64::from(u8::from_str_radix(&colour[at..at + 2], 16).unwrap());
        [channel(1) / 255.0, channel(3) / 255.0, channel(5) / 255.0]
    }

    /// Hue in degrees and saturation (HSL) of `colour`.
    fn hue_saturation(colour: &str) -> (f64, f64) {
        let [r, g, b] = rgb(colour);
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        let delta = max - min;
        let lightness = (max + min) / 2.0;
        let saturation =
            if delta == 0.0 { 0.0 } else { delta / (1.0 - (2.0 * lightness - 1.0).abs()) };
        let hue = if delta == 0.0 {
            0.0
        } else if max == r {
            60.0 * ((g - b) / delta).rem_euclid(6.0)
        } else if max == g {
            60.0 * ((b - r) / delta + 2.0)
        } else {
            60.0 * ((r - g) / delta + 4.0)
        };
        (hue, saturation)
    }

    /// WCAG contrast ratio of `colour` against white.
    fn contrast_on_white(colour: &str) -> f64 {
        let linear =
            |c: f64| if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
        let [r, g, b] = rgb(colour).map(linear);
        let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        1.05 / (luminance + 0.05)
    }

    #[test]
    fn no_skill_colour_is_a_red_or_a_green() {
        let (cutline_hue, _) = hue_saturation(CUTLINE);
        let (feasible_hue, _) = hue_saturation(FEASIBLE);
        for colour in PALETTE {
            let (hue, saturation) = hue_saturation(colour);
            let apart = |other: f64| {
                let d = (hue - other).abs();
                d.min(360.0 - d)
            };
            // A grey has no hue to be mistaken for either.
            if saturation > 0.1 {
                assert!(apart(cutline_hue) >= 30.0, "{colour} (hue {hue}) is red like the cutline");
                assert!(apart(feasible_hue) >= 30.0, "{colour} (hue {hue}) is green");
            }
            assert!(contrast_on_white(colour) >= 3.0, "{colour} is too light on white");
        }
        assert_eq!(PALETTE.iter().collect::<HashSet<_>>().len(), PALETTE.len());
        assert!(!DASHES.contains(&SUPPLY_DASH), "running lines never dash like supply");
    }

    #[test]
    fn forty_five_skills_differ_without_colour_and_360_with_it() {
        // Without colour: the dash pattern and the marker.
        let plain: HashSet<_> = (0..45).map(|i| (look(i).dash, look(i).marker)).collect();
        assert_eq!(plain.len(), 45);
        let looks: HashSet<_> = (0..360).map(look).collect();
        assert_eq!(looks.len(), 360);
        // Neighbours differ in all three.
        for i in 0..360 {
            let (a, b) = (look(i), look(i + 1));
            assert!(a.colour != b.colour && a.dash != b.dash && a.marker != b.marker, "{i}");
        }
        assert_eq!(MARKERS.iter().collect::<HashSet<_>>().len(), MARKERS.len());
    }

    #[test]
    fn marker_paths() {
        let mut d = String::new();
        MARKERS[0].push_path(&mut d, 100.0, 50.0);
        MARKERS[2].push_path(&mut d, 10.0, 20.04);
        assert_eq!(d, "M96.5,50a3.5,3.5 0 1 0 7,0a3.5,3.5 0 1 0 -7,0zM10,15.5l4.5,8h-9z");
    }
}
