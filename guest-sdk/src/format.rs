//! How amounts read in a fragment: numbers with at most two decimals and no
//! trailing zeros ([`format_number`], or [`format_number_compact`] where
//! room is short), counted in the units the request's `units` option chooses
//! ([`Units`]), converted from the view's weeks by [`Amounts`].
//!
//! Every built-in renderer takes the option `units`: `weeks` (the default)
//! shows work in weeks as estimated, `people` divides weeks by the plan's
//! weeks, giving the people needed for the whole plan. A plugin of its own
//! reads the option the same way, so one URL query switches every view:
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

use crate::model::PlanInfo;
use crate::{RenderError, RenderRequest};

/// Formats `value` with at most two decimals and no trailing zeros: `6`,
/// `1.5`, `0.46`; a value that rounds to zero reads `0`, never `-0`. Large
/// values are written out in full (`2500000`).
///
/// View data is JSON, whose numbers are always finite; a sum that
/// overflowed reads `∞` (or `-∞`) rather than `inf`, and NaN reads `?`.
pub fn format_number(value: f64) -> String {
    if value.is_nan() {
        return "?".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "∞" } else { "-∞" }.to_owned();
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
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
}

#[cfg(test)]
mod tests {
    use super::{Amounts, Units, format_number, format_number_compact};
    use crate::RenderRequest;
    use crate::model::PlanInfo;

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
