//! How amounts read in a fragment: numbers with at most two decimals and no
//! trailing zeros ([`format_number`], or [`format_number_compact`] where
//! room is short), counted in the units the request's `units` option chooses
//! ([`Units`]), converted from the view's weeks by [`Amounts`].
//!
//! Every built-in renderer takes the option `units`: `weeks` (the default)
//! shows work in weeks as estimated, `people` divides weeks by the plan's
//! weeks, giving the people needed for the whole plan. A plugin of its own
//! reads the option the same way, so one `planhost render --option
//! units=people` switches any view (views watched in the browser get no
//! options, and so show weeks):
//!
//! ```
//! use planhost_guest::format::{Amounts, Units};
//! use planhost_guest::model::WorkView;
//! use planhost_guest::{Html, Keys, RenderError, RenderRequest};
//!
//! /// One row per item with its Web estimate, in the chosen units.
//! fn web_work(request: &RenderRequest) -> Result<String, RenderError> {
//!     let units = Units::from_request(request)?;
//!     let work: WorkView = request.data()?;
//!     // Refuses `people` for a plan of 0 weeks.
//!     let amounts = Amounts::new(units, &work.plan)?;
//!     // Two items of the same name still get different keys.
//!     let mut keys = Keys::default();
//!     let mut html = Html::new();
//!     html.open("table", &[("id", "web")]);
//!     html.element("caption", &[], &format!("Web work in {}", units.name()));
//!     for item in &work.items {
//!         let key = keys.unique(format!("item-{}", item.name));
//!         let web = item.estimates.get("Web").copied().unwrap_or(0.0);
//!         html.open("tr", &[("data-key", &key)]);
//!         html.element("td", &[], &item.name);
//!         html.element("td", &[], &amounts.cell(web));
//!         html.close("tr");
//!     }
//!     html.close("table");
//!     html.finish()
//! }
//! # let data = r#"{"plan": {"name": "Q3", "weeks": 13, "cutline": 2},
//! #               "items": [{"id": 1, "name": "Sync", "rank": 1, "estimates": {"Web": 6}},
//! #                         {"id": 2, "name": "Sync", "rank": 2}]}"#;
//! # let options = vec![("units".to_owned(), "people".to_owned())];
//! # let request = RenderRequest { view: "work".into(), data: data.into(), options };
//! # assert_eq!(
//! #     web_work(&request).unwrap(),
//! #     r#"<table id="web"><caption>Web work in people</caption><tr data-key="item-Sync"><td>Sync</td><td>0.46</td></tr><tr data-key="item-Sync~2"><td>Sync</td><td></td></tr></table>"#
//! # );
//! ```

use crate::model::{PlanInfo, WorkItem};
use crate::{Html, RenderError, RenderRequest, isolate};

/// Formats `value` with at most two decimals and no trailing zeros: `6`,
/// `1.5`, `0.46`; a value that rounds to zero reads `0`, never `-0`. Large
/// values are written out in full (`2500000`).
///
/// View data is JSON, whose numbers are always finite; a sum that
/// overflowed reads `∞` (or `-∞`) rather than `inf`, and NaN reads `?`.
pub fn format_number(value: f64) -> String {
    let mut text = String::new();
    push_number(&mut text, value);
    text
}

/// Appends `value` to `out` as [`format_number`] writes it, without
/// allocating a string of its own.
pub fn push_number(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push('?');
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "∞" } else { "-∞" });
    } else if let Some(hundredths) = hundredths(value) {
        if hundredths == 0 {
            out.push('0');
            return;
        }
        if value < 0.0 {
            out.push('-');
        }
        push_digits(out, hundredths / 100);
        let cents = (hundredths % 100) as u8;
        if cents != 0 {
            out.push('.');
            out.push(char::from(b'0' + cents / 10));
            if !cents.is_multiple_of(10) {
                out.push(char::from(b'0' + cents % 10));
            }
        }
    } else {
        let text = format!("{value:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        out.push_str(if text == "-0" { "0" } else { text });
    }
}

/// `|value| × 100` rounded to a whole number as `{:.2}` rounds: from the
/// exact binary value, ties to even. `None` from 10^15 up (and for NaN and
/// infinities), left to `{:.2}`.
fn hundredths(value: f64) -> Option<u64> {
    let magnitude = value.abs();
    if magnitude >= 1e15 || value.is_nan() {
        return None;
    }
    // magnitude = mantissa × 2^exponent exactly.
    let bits = magnitude.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) =
        if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
    if exponent >= 0 {
        // A whole number below 10^15: × 100 fits.
        return Some((mantissa << exponent) * 100);
    }
    // mantissa × 100 < 2^60: below half of 2^shift from a shift of 61 on.
    let shift = exponent.unsigned_abs();
    if shift > 60 {
        return Some(0);
    }
    let scaled = mantissa * 100;
    let whole = scaled >> shift;
    let rest = scaled - (whole << shift);
    let half = 1 << (shift - 1);
    let up = rest > half || (rest == half && whole & 1 == 1);
    Some(whole + u64::from(up))
}

/// Appends `n` in decimal.
fn push_digits(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// [`format_number`] for labels with little room: from a million up (either
/// sign) the value is written in scientific notation with at most three
/// decimals and no trailing zeros (`2.5e6`, `-1e15`); smaller values and
/// values that are not finite read as [`format_number`] has them.
pub fn format_number_compact(value: f64) -> String {
    if value.is_finite() && value.abs() >= 1e6 {
        let text = format!("{value:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    format_number(value)
}

/// What demand is counted in: the request's `units` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Weeks of work, as estimated (the default).
    Weeks,
    /// People for the whole plan: weeks divided by the plan's weeks.
    People,
}

impl Units {
    /// Reads the `units` option of `request` (see [`Units::from_option`]).
    pub fn from_request(request: &RenderRequest) -> Result<Units, RenderError> {
        Units::from_option(request.option("units"))
    }

    /// Reads the value of a `units` option: absent or `weeks`, or `people`.
    /// Anything else is [`RenderError::InvalidData`] naming the option and
    /// the value.
    pub fn from_option(value: Option<&str>) -> Result<Units, RenderError> {
        match value {
            None | Some("weeks") => Ok(Units::Weeks),
            Some("people") => Ok(Units::People),
            Some(other) => Err(RenderError::InvalidData(format!(
                "option units: expected weeks or people, got {other:?}"
            ))),
        }
    }

    /// The units' name as a caption says it: `weeks` or `people`.
    pub fn name(self) -> &'static str {
        match self {
            Units::Weeks => "weeks",
            Units::People => "people",
        }
    }
}

/// Turns the view's weeks into amounts in the chosen units, as numbers or
/// as the text of a cell.
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    units: Units,
    plan_weeks: u32,
}

impl Amounts {
    /// Amounts for `plan`; counting people needs a plan of at least a week,
    /// else this is [`RenderError::InvalidData`].
    pub fn new(units: Units, plan: &PlanInfo) -> Result<Amounts, RenderError> {
        if units == Units::People && plan.weeks == 0 {
            return Err(RenderError::InvalidData("plan.weeks is 0: cannot count people".into()));
        }
        Ok(Amounts { units, plan_weeks: plan.weeks })
    }

    /// The units amounts are shown in.
    pub fn units(self) -> Units {
        self.units
    }

    /// `weeks` in the chosen units.
    pub fn of(self, weeks: f64) -> f64 {
        match self.units {
            Units::Weeks => weeks,
            Units::People => weeks / f64::from(self.plan_weeks),
        }
    }

    /// `weeks` in the chosen units as [`format_number`] writes it, `0` too.
    pub fn text(self, weeks: f64) -> String {
        format_number(self.of(weeks))
    }

    /// A cell's text: [`Amounts::text`], but blank for no work (`0`).
    pub fn cell(self, weeks: f64) -> String {
        if weeks == 0.0 { String::new() } else { self.text(weeks) }
    }

    /// Writes `item`'s cell for `skill` if the plan could not read an
    /// estimate of it (each counts 0 weeks), with `class` and `unparsed`
    /// as its class: every such size as typed with a `?`, after the amount
    /// the skill's other estimates came to, if any (`XL?`, `2 + XL?`), and
    /// a `title` naming them (`cannot read estimate Native:XL, counted as
    /// 0`), plan data in bidi isolation. Returns false, and writes nothing,
    /// when the plan read every estimate of `skill`.
    pub fn unparsed_cell(
        self,
        html: &mut Html,
        class: Option<&str>,
        item: &WorkItem,
        skill: &str,
    ) -> bool {
        if item.unparsed.is_empty() {
            return false; // (most items: asked for every cell of a table)
        }
        let texts: Vec<_> = item.unparsed_for(skill).map(|(text, _)| isolate(text)).collect();
        let Some((last, first)) = texts.split_last() else { return false };
        let title = if first.is_empty() {
            format!("cannot read estimate {last}, counted as 0")
        } else {
            format!("cannot read estimates {} and {last}, counted as 0", first.join(", "))
        };
        let class =
            class.map_or_else(|| "unparsed".to_owned(), |class| format!("{class} unparsed"));
        html.open("td", &[("class", &class), ("title", &title)]);
        let read = self.cell(item.estimates.get(skill).copied().unwrap_or(0.0));
        let mut separator = "";
        if !read.is_empty() {
            html.text(&read);
            separator = " + ";
        }
        for (_, size) in item.unparsed_for(skill) {
            html.text(separator).isolated(size).text("?");
            separator = " + ";
        }
        html.close("td");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::{Amounts, Units, format_number, format_number_compact, push_number};
    use crate::model::{PlanInfo, WorkItem};
    use crate::{Html, RenderRequest};

    fn item(estimates: &[(&str, f64)], unparsed: &[&str]) -> WorkItem {
        WorkItem {
            estimates: estimates
                .iter()
                .map(|(skill, weeks)| ((*skill).to_owned(), *weeks))
                .collect(),
            unparsed: unparsed.iter().map(|text| (*text).to_owned()).collect(),
            ..WorkItem::default()
        }
    }

    /// The cell `unparsed_cell` writes, or None when it writes nothing.
    fn cell(item: &WorkItem, skill: &str, class: Option<&str>) -> Option<String> {
        let plan = PlanInfo { name: "Q".into(), weeks: 13, ..PlanInfo::default() };
        let amounts = Amounts::new(Units::Weeks, &plan).unwrap();
        let mut html = Html::new();
        let written = amounts.unparsed_cell(&mut html, class, item, skill);
        let text = html.finish().unwrap();
        assert_eq!(written, !text.is_empty());
        written.then_some(text)
    }

    #[test]
    fn unreadable_estimates_by_skill() {
        let both = item(&[("Web", 2.0)], &["Web:XL", " Web : Q? ", "oops", "Data:XL", "Native:"]);
        let web: Vec<_> = both.unparsed_for("Web").collect();
        assert_eq!(web, [("Web:XL", "XL"), (" Web : Q? ", "Q?")], "names and sizes trimmed");
        assert_eq!(both.unparsed_for("Native").collect::<Vec<_>>(), [("Native:", "")]);
        assert_eq!(both.unparsed_for("Apps").count(), 0);
        let elsewhere: Vec<_> = both.unparsed_elsewhere(&["Web", "Native"]).collect();
        assert_eq!(elsewhere, ["oops", "Data:XL"], "no skill named, or no column for it");

        assert_eq!(
            cell(&both, "Web", None).unwrap(),
            "<td class=\"unparsed\" title=\"cannot read estimates Web:XL and  Web : Q? , \
             counted as 0\">2 + XL? + Q??</td>"
        );
        let one = item(&[], &["Web:XL", "Web:?", "Web:Z"]);
        assert_eq!(
            cell(&one, "Web", Some("demand")).unwrap(),
            "<td class=\"demand unparsed\" title=\"cannot read estimates Web:XL, Web:? and \
             Web:Z, counted as 0\">XL? + ?? + Z?</td>"
        );
        // Every estimate of the skill read: nothing written.
        assert_eq!(cell(&both, "Apps", None), None);
        assert_eq!(cell(&item(&[("Web", 2.0)], &[]), "Web", None), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(format_number(6.0), "6");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(6.0 / 13.0), "0.46");
        assert_eq!(format_number(10.0), "10");
        assert_eq!(format_number(0.005), "0.01");
        assert_eq!(format_number(-0.001), "0");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(-2.25), "-2.25");
        assert_eq!(format_number(2_500_000.0), "2500000");
        assert_eq!(format_number(f64::INFINITY), "∞");
        assert_eq!(format_number(f64::NEG_INFINITY), "-∞");
        assert_eq!(format_number(f64::NAN), "?");
    }

    /// What `format_number` wrote before it had a path of its own.
    fn by_format(value: f64) -> String {
        let text = format!("{value:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" { "0".to_owned() } else { text.to_owned() }
    }

    #[test]
    fn numbers_read_as_two_decimal_formatting_has_them() {
        // Ties round to even on the exact binary value, as `{:.2}` does.
        for value in [0.125, 0.375, 1.005, 0.015, 0.025, -0.005, 5e-324, 1e-300, 0.995, 99.995] {
            assert_eq!(format_number(value), by_format(value), "{value:e}");
        }
        assert_eq!((format_number(0.125), format_number(0.375)), ("0.12".into(), "0.38".into()));
        let edges = [999_999_999_999_999.9, 1e15, 1e15 + 2.0, 2f64.powi(53), 1e300, f64::MAX];
        for value in edges.into_iter().flat_map(|v| [v, -v]) {
            assert_eq!(format_number(value), by_format(value), "{value:e}");
        }
        // splitmix64 over whole bit patterns and over values like the
        // views' (weeks in halves and thirds, people as weeks / plan weeks).
        let mut state = 0x5eed_u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        for i in 0..200_000 {
            let r = next();
            let value = match i % 4 {
                0 => f64::from_bits(r),
                1 => (r % 100_000) as f64 / 8.0 - 5_000.0,
                2 => (r % 10_000) as f64 / 2.0 / (1 + r % 52) as f64,
                _ => (r >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((r % 30) as i32 - 15),
            };
            if value.is_finite() {
                assert_eq!(format_number(value), by_format(value), "{value:e}");
            }
        }
    }

    #[test]
    fn push_number_appends() {
        let mut text = String::from("short ");
        push_number(&mut text, 2.5);
        text.push_str(", ");
        push_number(&mut text, -0.0);
        assert_eq!(text, "short 2.5, 0");
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(format_number_compact(6.0), "6");
        assert_eq!(format_number_compact(6.0 / 13.0), "0.46");
        assert_eq!(format_number_compact(-0.001), "0");
        assert_eq!(format_number_compact(999_999.994), "999999.99");
        assert_eq!(format_number_compact(1e6), "1e6");
        assert_eq!(format_number_compact(2_500_000.0), "2.5e6");
        assert_eq!(format_number_compact(1_234_567.0), "1.235e6");
        assert_eq!(format_number_compact(-1e15), "-1e15");
        assert_eq!(format_number_compact(f64::INFINITY), "∞");
        assert_eq!(format_number_compact(f64::NAN), "?");
        // Below a million, the same text as format_number.
        for value in [0.0, 0.125, 3.0, -7.5, 12_345.678, 999_999.0] {
            assert_eq!(format_number_compact(value), format_number(value), "{value}");
        }
    }

    #[test]
    fn units_option() {
        assert_eq!(Units::from_option(None), Ok(Units::Weeks));
        assert_eq!(Units::from_option(Some("weeks")), Ok(Units::Weeks));
        assert_eq!(Units::from_option(Some("people")), Ok(Units::People));
        assert!(Units::from_option(Some("days")).is_err());
        assert_eq!((Units::Weeks.name(), Units::People.name()), ("weeks", "people"));
    }

    #[test]
    fn units_from_request() {
        let request = |options: &[(&str, &str)]| RenderRequest {
            view: "work".into(),
            data: "{}".into(),
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        assert_eq!(Units::from_request(&request(&[])), Ok(Units::Weeks));
        assert_eq!(Units::from_request(&request(&[("units", "people")])), Ok(Units::People));
        assert_eq!(
            Units::from_request(&request(&[("units", "days")])),
            Err(crate::RenderError::InvalidData(
                r#"option units: expected weeks or people, got "days""#.into()
            ))
        );
    }

    #[test]
    fn amounts() {
        let plan = PlanInfo { name: "p".into(), weeks: 13, cutline: 0, feasible_line: None };
        let weeks = Amounts::new(Units::Weeks, &plan).unwrap();
        assert_eq!(weeks.of(6.0), 6.0);
        assert_eq!(weeks.units(), Units::Weeks);
        assert_eq!((weeks.cell(6.0), weeks.cell(0.0)), ("6".into(), String::new()));
        assert_eq!((weeks.text(0.0), weeks.cell(-0.0)), ("0".into(), String::new()));
        let people = Amounts::new(Units::People, &plan).unwrap();
        assert_eq!(people.units(), Units::People);
        assert_eq!(format_number(people.of(6.0)), "0.46");
        assert_eq!((people.text(6.0), people.cell(6.0)), ("0.46".into(), "0.46".into()));
        let empty = PlanInfo { weeks: 0, ..plan };
        assert_eq!(
            Amounts::new(Units::People, &empty).unwrap_err(),
            crate::RenderError::InvalidData("plan.weeks is 0: cannot count people".into())
        );
        assert!(Amounts::new(Units::Weeks, &empty).is_ok());
    }
}
