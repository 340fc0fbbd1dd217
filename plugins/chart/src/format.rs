//! How amounts read: numbers with at most two decimals and no trailing
//! zeros (`6`, `1.5`, `0.46`), in weeks or in people (the `units` option).

use planhost_guest::RenderError;
use planhost_guest::model::PlanInfo;

/// Formats `value` with at most two decimals and no trailing zeros, or,
/// from a million up, as `2.5e6`; anything not finite reads `0` (the chart
/// clamps its values first, so that never shows).
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_owned();
    }
    if value.abs() >= 1e6 {
        let text = format!("{value:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

/// What demand is counted in (the `units` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Weeks of work, as estimated (the default).
    Weeks,
    /// People for the whole plan: weeks divided by the plan's weeks.
    People,
}

impl Units {
    /// Reads the `units` option: absent or `weeks`, or `people`.
    pub fn from_option(value: Option<&str>) -> Result<Units, RenderError> {
        match value {
            None | Some("weeks") => Ok(Units::Weeks),
            Some("people") => Ok(Units::People),
            Some(other) => Err(RenderError::InvalidData(format!(
                "option units: expected weeks or people, got {other:?}"
            ))),
        }
    }

    /// The units' name as a caption says it.
    pub fn name(self) -> &'static str {
        match self {
            Units::Weeks => "weeks",
            Units::People => "people",
        }
    }
}

/// Turns weeks into the text of a cell, in the chosen units.
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    units: Units,
    plan_weeks: u32,
}

impl Amounts {
    /// Amounts for `plan`; counting people needs a plan of at least a week.
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
}

#[cfg(test)]
mod tests {
    use planhost_guest::model::PlanInfo;

    use super::{Amounts, Units, number};

    #[test]
    fn numbers() {
        assert_eq!(number(6.0), "6");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(6.0 / 13.0), "0.46");
        assert_eq!(number(10.0), "10");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(f64::INFINITY), "0");
        assert_eq!(number(f64::NAN), "0");
        assert_eq!(number(2_500_000.0), "2.5e6");
        assert_eq!(number(-1e15), "-1e15");
    }

    #[test]
    fn units_option() {
        assert_eq!(Units::from_option(None), Ok(Units::Weeks));
        assert_eq!(Units::from_option(Some("weeks")), Ok(Units::Weeks));
        assert_eq!(Units::from_option(Some("people")), Ok(Units::People));
        assert!(Units::from_option(Some("days")).is_err());
    }

    #[test]
    fn amounts() {
        let plan = PlanInfo { name: "p".into(), weeks: 13, cutline: 0, feasible_line: None };
        let weeks = Amounts::new(Units::Weeks, &plan).unwrap();
        assert_eq!(weeks.of(6.0), 6.0);
        let people = Amounts::new(Units::People, &plan).unwrap();
        assert_eq!(number(people.of(6.0)), "0.46");
        assert_eq!(people.units(), Units::People);
        let empty = PlanInfo { weeks: 0, ..plan };
        assert!(Amounts::new(Units::People, &empty).is_err());
        assert!(Amounts::new(Units::Weeks, &empty).is_ok());
    }
}
