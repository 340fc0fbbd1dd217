//! The `tracks` view: work grouped by track as `<table id="tracks-table">`.
//!
//! Columns: rank, name, one per skill in the `units` option's units, and
//! `Committed items` (a count, whatever the units). Each track, in the
//! view's order, is a `<tbody class="track" data-key="track-NAME">` holding
//!
//! - a `track` row (`data-key="track-NAME/demand"`): the track's committed
//!   demand per skill and how many of its items are committed;
//! - one `triage` row per triage level (`.../triage-1.5`, `.../triage-none`),
//!   most important first and untriaged work last;
//! - one `item` row per work item in rank order (`.../item-ID`) with its
//!   id before its name (`<b>#ID</b> Name`: the id is what console
//!   commands take) and its estimates; items below the plan's cutline also
//!   get class `below-cutline` and read `not committed`. An estimate the
//!   plan could not read (counted as 0, in the demand too) shows as typed
//!   with a `?` in its skill's cell, after what the skill's other
//!   estimates came to (`2 + XL?`), `class="demand unparsed"` and a
//!   `title` saying so, as the `table` renderer shows it; one naming no
//!   skill column is listed in the row's last cell.
//!
//! A `<tfoot>` row (`data-key="total"`) adds up the tracks.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use planhost_guest::format::{Amounts, Units, format_number};
use planhost_guest::model::{PlanInfo, Track, TracksView, TriageGroup, WorkItem};
use planhost_guest::{Html, Keys, RenderError, isolate};

/// Columns besides the skills: rank, name, committed.
const FIXED_COLUMNS: usize = 3;

/// The last column's head: how many work items are committed, whatever
/// the units of the skill columns.
const COMMITTED_TITLE: &str = "the number of committed work items";

/// What every row needs to know about the table it is in.
struct Layout<'a> {
    plan: &'a PlanInfo,
    skills: Vec<&'a str>,
    amounts: Amounts,
}

impl Layout<'_> {
    fn columns(&self) -> usize {
        FIXED_COLUMNS + self.skills.len()
    }

    /// One cell per skill, from `weeks` per skill.
    fn skill_cells(&self, html: &mut Html, weeks: &BTreeMap<String, f64>) {
        for skill in &self.skills {
            let text = self.amounts.cell(weeks.get(*skill).copied().unwrap_or(0.0));
            html.element("td", &[("class", "demand")], &text);
        }
    }

    /// An item's cell per skill: its estimate, or the estimates the plan
    /// could not read (counted as 0) as typed with a `?`, as the `table`
    /// renderer marks them: `<td class="demand unparsed" title="cannot read
    /// estimate Native:XL, counted as 0">XL?</td>`.
    fn item_cells(&self, html: &mut Html, item: &WorkItem) {
        for skill in &self.skills {
            if self.amounts.unparsed_cell(html, Some("demand"), item, skill) {
                continue;
            }
            let text = self.amounts.cell(item.estimates.get(*skill).copied().unwrap_or(0.0));
            html.element("td", &[("class", "demand")], &text);
        }
    }

    fn is_committed(&self, item: &WorkItem) -> bool {
        item.rank <= self.plan.cutline
    }
}

/// Draws the tracks view as a well-formed HTML fragment.
pub fn render_tracks(view: &TracksView, units: Units) -> Result<String, RenderError> {
    let layout = Layout {
        plan: &view.plan,
        skills: skill_columns(view),
        amounts: Amounts::new(units, &view.plan)?,
    };
    let mut keys = Keys::default();
    let mut html = Html::new();
    html.open("table", &[("id", "tracks-table"), ("class", "tracks")]);
    // The plan's name in bidi isolation: right-to-left text in it must not
    // reorder the rest of the caption.
    let caption =
        format!(": {} weeks; committed demand per track in {}", view.plan.weeks, units.name());
    html.open("caption", &[]).isolated(&view.plan.name).text(&caption).close("caption");
    head(&mut html, &layout);
    if view.tracks.is_empty() {
        let columns = layout.columns().to_string();
        html.open("tbody", &[]).open("tr", &[("class", "empty"), ("data-key", "empty")]);
        html.element("td", &[("colspan", &columns)], "No work in this plan");
        html.close("tr").close("tbody");
    }
    for track in &view.tracks {
        track_body(&mut html, track, &layout, &mut keys);
    }
    if !view.tracks.is_empty() {
        total(&mut html, view, &layout);
    }
    html.close("table");
    html.finish()
}

/// The view's skills in order, then any other skill some demand or estimate
/// names (alphabetically), so no demand goes unshown.
fn skill_columns(view: &TracksView) -> Vec<&str> {
    let mut skills: Vec<&str> = Vec::new();
    for skill in &view.skills {
        if !skills.contains(&skill.as_str()) {
            skills.push(skill);
        }
    }
    let mut extra: BTreeSet<&str> = BTreeSet::new();
    for track in &view.tracks {
        let triage = track.triage.iter().map(|group| &group.demand);
        let items = track.items.iter().map(|item| &item.estimates);
        for weeks in std::iter::once(&track.demand).chain(triage).chain(items) {
            extra.extend(weeks.keys().map(String::as_str));
        }
    }
    skills.extend(extra.into_iter().filter(|skill| !view.skills.iter().any(|s| s == skill)));
    skills
}

fn head(html: &mut Html, layout: &Layout) {
    html.open("thead", &[]).open("tr", &[("data-key", "head")]);
    html.element("th", &[("scope", "col"), ("class", "rank")], "Rank");
    html.element("th", &[("scope", "col"), ("class", "name")], "Track / item");
    for skill in &layout.skills {
        html.element("th", &[("scope", "col"), ("class", "demand")], skill);
    }
    // A count among columns of weeks (or people): the head says so, so
    // that 8 does not read as 8 people.
    let title = [("scope", "col"), ("class", "committed"), ("title", COMMITTED_TITLE)];
    html.element("th", &title, "Committed items");
    html.close("tr").close("thead");
}

fn track_body(html: &mut Html, track: &Track, layout: &Layout, keys: &mut Keys) {
    let key = keys.unique(format!("track-{}", track.name));
    html.open("tbody", &[("class", "track"), ("data-key", &key)]);

    let demand_key = keys.unique(format!("{key}/demand"));
    html.open("tr", &[("class", "track"), ("data-key", &demand_key)]);
    html.element("td", &[("class", "rank")], "");
    html.element("th", &[("scope", "rowgroup"), ("class", "name")], &track.name);
    layout.skill_cells(html, &track.demand);
    html.element("td", &[("class", "committed")], &committed_count(track, layout).to_string());
    html.close("tr");

    for group in triage_levels(&track.triage) {
        let level = group.triage.map_or_else(|| "none".to_owned(), format_number);
        let group_key = keys.unique(format!("{key}/triage-{level}"));
        let label = match group.triage {
            Some(triage) => format!("Triage {}", format_number(triage)),
            None => "Untriaged".to_owned(),
        };
        html.open("tr", &[("class", "triage"), ("data-key", &group_key)]);
        html.element("td", &[("class", "rank")], "");
        html.element("th", &[("scope", "row"), ("class", "name")], &label);
        layout.skill_cells(html, &group.demand);
        html.element("td", &[("class", "committed")], &group.count.to_string());
        html.close("tr");
    }

    let mut items: Vec<&WorkItem> = track.items.iter().collect();
    items.sort_by_key(|item| item.rank);
    for item in items {
        let item_key = keys.unique(format!("{key}/item-{}", item.id));
        let committed = layout.is_committed(item);
        let class = if committed { "item" } else { "item below-cutline" };
        let mut attrs = vec![("class", class), ("data-key", item_key.as_str())];
        if !committed {
            attrs.push(("title", "below the cutline: not committed"));
        }
        html.open("tr", &attrs);
        html.element("td", &[("class", "rank")], &item.rank.to_string());
        html.open("td", &[("class", "name")]);
        let id = format!("#{}", isolate(&item.id));
        html.element("b", &[], &id).text(" ").text(&item.name).close("td");
        layout.item_cells(html, item);
        html.open("td", &[("class", "committed")]);
        let mut separator = "";
        if !committed {
            html.text("not committed");
            separator = "; ";
        }
        for text in item.unparsed_elsewhere(&layout.skills) {
            html.text(separator).text("cannot read estimate ").isolated(text);
            separator = "; ";
        }
        html.close("td").close("tr");
    }
    html.close("tbody");
}

/// How many of the track's items are committed: what its triage levels
/// count, or, when the view has no triage levels, its items at or above the
/// cutline.
fn committed_count(track: &Track, layout: &Layout) -> u64 {
    if track.triage.is_empty() {
        track.items.iter().filter(|item| layout.is_committed(item)).count() as u64
    } else {
        track.triage.iter().map(|group| u64::from(group.count)).sum()
    }
}

/// Triage levels most important first (1, 1.5, 2, ...), untriaged last;
/// equal levels keep the view's order.
fn triage_levels(groups: &[TriageGroup]) -> Vec<&TriageGroup> {
    let mut groups: Vec<&TriageGroup> = groups.iter().collect();
    groups.sort_by(|a, b| match (a.triage, b.triage) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    groups
}

/// The committed demand of all tracks together.
fn total(html: &mut Html, view: &TracksView, layout: &Layout) {
    let mut demand: BTreeMap<String, f64> = BTreeMap::new();
    for track in &view.tracks {
        for (skill, weeks) in &track.demand {
            *demand.entry(skill.clone()).or_default() += weeks;
        }
    }
    let committed: u64 = view.tracks.iter().map(|track| committed_count(track, layout)).sum();
    html.open("tfoot", &[]).open("tr", &[("class", "total"), ("data-key", "total")]);
    html.element("td", &[("class", "rank")], "");
    html.element("th", &[("scope", "row"), ("class", "name")], "All tracks");
    layout.skill_cells(html, &demand);
    html.element("td", &[("class", "committed")], &committed.to_string());
    html.close("tr").close("tfoot");
}

#[cfg(test)]
mod tests;
