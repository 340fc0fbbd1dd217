//! The `staff` view: supply against committed demand per skill, and the
//! team's people grouped by skill.
//!
//! Two tables:
//!
//! - `<table id="staff-summary">`: one row per skill (`data-key="net-SKILL"`)
//!   with supply, demand and net (supply - demand); a skill whose net is
//!   negative gets `class="short"` and a `title` saying by how much.
//! - `<table id="staff-people">`: one `<tbody class="skill"
//!   data-key="skill-SKILL">` per skill holding a heading row, one row per
//!   person with that skill (`.../person-ID`: name, track, share and weeks
//!   = share x plan weeks) and a `total` row. A person with `Web:0.5,QA:0.5`
//!   is listed under both skills. In people (`units=people`) a person's
//!   amount is their share (weeks / plan weeks = share), so the table has
//!   one column for both, `People`, instead of two showing the same
//!   numbers.
//!
//! Skills come in the view's order, then any other skill a person, the
//! supply or the demand names (alphabetically).

use std::collections::{BTreeMap, BTreeSet};

use planhost_guest::format::{Amounts, Units, format_number};
use planhost_guest::model::{Person, StaffView};
use planhost_guest::{Html, Keys, RenderError, isolate};

/// Nets within this much of zero are not short (float noise from sums of
/// fractions).
const TOLERANCE: f64 = 1e-9;

/// What both tables need to know.
struct Layout<'a> {
    view: &'a StaffView,
    skills: Vec<&'a str>,
    supply: BTreeMap<&'a str, f64>,
    amounts: Amounts,
}

impl Layout<'_> {
    /// `weeks` in the chosen units, always written (`0` too).
    fn amount(&self, weeks: f64) -> String {
        self.amounts.text(weeks)
    }

    fn demand(&self, skill: &str) -> f64 {
        self.view.demand.get(skill).copied().unwrap_or(0.0)
    }

    fn supply(&self, skill: &str) -> f64 {
        self.supply.get(skill).copied().unwrap_or(0.0)
    }

    /// A person's weeks for `share` of their time.
    fn weeks(&self, share: f64) -> f64 {
        share * f64::from(self.view.plan.weeks)
    }

    /// Whether the people table has a share column besides the amount: in
    /// weeks only, as in people the two are the same number.
    fn shows_share(&self) -> bool {
        self.amounts.units() == Units::Weeks
    }

    /// How many columns the people table has (for `colspan`): person,
    /// track, share (in weeks) and amount.
    fn people_columns(&self) -> &'static str {
        if self.shows_share() { "4" } else { "3" }
    }
}

/// Draws the staff view as a well-formed HTML fragment.
pub fn render_staff(view: &StaffView, units: Units) -> Result<String, RenderError> {
    let layout = Layout {
        view,
        skills: skill_order(view),
        supply: supply(view),
        amounts: Amounts::new(units, &view.plan)?,
    };
    let mut keys = Keys::default();
    let mut html = Html::new();
    summary(&mut html, &layout, &mut keys);
    people(&mut html, &layout, &mut keys);
    html.finish()
}

/// The view's skills in order, then the other skills people, supply or
/// demand name, alphabetically.
fn skill_order(view: &StaffView) -> Vec<&str> {
    let mut skills: Vec<&str> = Vec::new();
    for skill in &view.skills {
        if !skills.contains(&skill.as_str()) {
            skills.push(skill);
        }
    }
    let mut extra: BTreeSet<&str> = BTreeSet::new();
    for person in &view.people {
        extra.extend(person.skills.keys().map(String::as_str));
    }
    extra.extend(view.supply.keys().map(String::as_str));
    extra.extend(view.demand.keys().map(String::as_str));
    skills.extend(extra.into_iter().filter(|skill| !view.skills.iter().any(|s| s == skill)));
    skills
}

/// The view's supply per skill; when the view has none (not computed), the
/// sum over people of share x plan weeks.
fn supply(view: &StaffView) -> BTreeMap<&str, f64> {
    if !view.supply.is_empty() {
        return view.supply.iter().map(|(skill, &weeks)| (skill.as_str(), weeks)).collect();
    }
    let mut supply = BTreeMap::new();
    for person in &view.people {
        for (skill, share) in &person.skills {
            *supply.entry(skill.as_str()).or_default() += share * f64::from(view.plan.weeks);
        }
    }
    supply
}

fn summary(html: &mut Html, layout: &Layout, keys: &mut Keys) {
    let plan = &layout.view.plan;
    html.open("table", &[("id", "staff-summary"), ("class", "staff-summary")]);
    // Plan data inside the tables' own sentences (this caption, the short
    // skills' titles, `Web total`) is in bidi isolation: right-to-left text
    // in a name must not reorder the words around it.
    let caption = format!(
        ": {} weeks; supply and committed demand in {}",
        plan.weeks,
        layout.amounts.units().name()
    );
    html.open("caption", &[]).isolated(&plan.name).text(&caption).close("caption");
    html.open("thead", &[]).open("tr", &[("data-key", "summary-head")]);
    html.element("th", &[("scope", "col"), ("class", "skill")], "Skill");
    html.element("th", &[("scope", "col"), ("class", "supply")], "Supply");
    html.element("th", &[("scope", "col"), ("class", "demand")], "Demand");
    html.element("th", &[("scope", "col"), ("class", "net")], "Net");
    html.close("tr").close("thead");
    html.open("tbody", &[]);
    if layout.skills.is_empty() {
        html.open("tr", &[("class", "empty"), ("data-key", "summary-empty")]);
        html.element("td", &[("colspan", "4")], "No skills in this plan");
        html.close("tr");
    }
    for skill in &layout.skills {
        let key = keys.unique(format!("net-{skill}"));
        let supply = layout.supply(skill);
        let demand = layout.demand(skill);
        let net = supply - demand;
        let title = format!(
            "short of {} by {} {}",
            isolate(skill),
            layout.amount(-net),
            layout.amounts.units().name()
        );
        let mut attrs = vec![("data-key", key.as_str())];
        if net < -TOLERANCE {
            attrs.push(("class", "short"));
            attrs.push(("title", &title));
        }
        html.open("tr", &attrs);
        html.element("th", &[("scope", "row"), ("class", "skill")], skill);
        html.element("td", &[("class", "supply")], &layout.amount(supply));
        html.element("td", &[("class", "demand")], &layout.amount(demand));
        html.element("td", &[("class", "net")], &layout.amount(net));
        html.close("tr");
    }
    html.close("tbody").close("table");
}

fn people(html: &mut Html, layout: &Layout, keys: &mut Keys) {
    html.open("table", &[("id", "staff-people"), ("class", "staff-people")]);
    let (caption, amount) = match layout.amounts.units() {
        Units::Weeks => ("People by skill; weeks of the plan's time", "Weeks"),
        Units::People => ("People by skill; time in people (1 = full time)", "People"),
    };
    html.element("caption", &[], caption);
    html.open("thead", &[]).open("tr", &[("data-key", "people-head")]);
    html.element("th", &[("scope", "col"), ("class", "name")], "Person");
    html.element("th", &[("scope", "col"), ("class", "track")], "Track");
    if layout.shows_share() {
        html.element("th", &[("scope", "col"), ("class", "share")], "Share");
    }
    html.element("th", &[("scope", "col"), ("class", "amount")], amount);
    html.close("tr").close("thead");

    if layout.skills.is_empty() && layout.view.people.is_empty() {
        html.open("tbody", &[]).open("tr", &[("class", "empty"), ("data-key", "people-empty")]);
        html.element("td", &[("colspan", layout.people_columns())], "No people in this plan");
        html.close("tr").close("tbody");
    }
    for skill in &layout.skills {
        let members: Vec<(&Person, f64)> = layout
            .view
            .people
            .iter()
            .filter_map(|person| {
                let share = person.skills.get(*skill).copied().unwrap_or(0.0);
                (share != 0.0).then_some((person, share))
            })
            .collect();
        skill_group(html, layout, keys, skill, &members);
    }
    let unskilled: Vec<(&Person, f64)> = layout
        .view
        .people
        .iter()
        .filter(|person| person.skills.values().all(|&share| share == 0.0))
        .map(|person| (person, 0.0))
        .collect();
    if !unskilled.is_empty() {
        skill_group(html, layout, keys, "", &unskilled);
    }
    html.close("table");
}

/// One skill's people and their total; `skill` empty for people with no
/// skill at all.
fn skill_group(
    html: &mut Html,
    layout: &Layout,
    keys: &mut Keys,
    skill: &str,
    members: &[(&Person, f64)],
) {
    let (key, heading) = if skill.is_empty() {
        (keys.unique("no-skill".to_owned()), "No skill".to_owned())
    } else {
        (keys.unique(format!("skill-{skill}")), skill.to_owned())
    };
    html.open("tbody", &[("class", "skill"), ("data-key", &key)]);
    let heading_key = keys.unique(format!("{key}/heading"));
    html.open("tr", &[("class", "skill"), ("data-key", &heading_key)]);
    html.element("th", &[("scope", "rowgroup"), ("colspan", layout.people_columns())], &heading);
    html.close("tr");

    if members.is_empty() {
        let nobody_key = keys.unique(format!("{key}/nobody"));
        html.open("tr", &[("class", "nobody"), ("data-key", &nobody_key)]);
        html.element("td", &[("colspan", layout.people_columns())], "Nobody has this skill");
        html.close("tr");
    }
    for (person, share) in members {
        let person_key = keys.unique(format!("{key}/person-{}", person.id));
        html.open("tr", &[("class", "person"), ("data-key", &person_key)]);
        html.element("td", &[("class", "name")], &person.name);
        html.element("td", &[("class", "track")], person.track.as_deref().unwrap_or(""));
        if layout.shows_share() {
            html.element("td", &[("class", "share")], &format_number(*share));
        }
        html.element("td", &[("class", "amount")], &layout.amount(layout.weeks(*share)));
        html.close("tr");
    }

    let share: f64 = members.iter().map(|(_, share)| share).sum();
    let total_key = keys.unique(format!("{key}/total"));
    html.open("tr", &[("class", "total"), ("data-key", &total_key)]);
    html.open("th", &[("scope", "row"), ("class", "name")]);
    if skill.is_empty() {
        html.text("Total");
    } else {
        html.isolated(skill).text(" total");
    }
    html.close("th");
    html.element("td", &[("class", "track")], "");
    if layout.shows_share() {
        html.element("td", &[("class", "share")], &format_number(share));
    }
    html.element("td", &[("class", "amount")], &layout.amount(layout.weeks(share)));
    html.close("tr").close("tbody");
}

#[cfg(test)]
mod tests;
