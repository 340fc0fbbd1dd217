//! The `work` view: the ranked work list as `<table id="work-table">`.
//!
//! One row per item (`<tr data-key="item-ID">`) in rank order with rank,
//! id and name (`<b>#ID</b> Name`: the id is what console commands take),
//! one estimate column per skill, track, triage and shortfall (the head's
//! cells name the columns with a class each; body cells have none); a
//! `<tr class="cutline" data-key="cutline">` after the last committed item
//! and a `<tr class="feasible-line" data-key="feasible-line">` after the
//! last item the team can staff. Committed items below the feasible line
//! get `class="short"` and a `title` naming the skills they are short of;
//! items below the cutline get `class="below-cutline"`. An estimate the
//! plan could not read (counted as 0) shows as typed with a `?` in its
//! skill's cell, after what the skill's other estimates came to (`2 +
//! XL?`), `class="unparsed"` and a `title` saying so; one naming no skill
//! column is listed in the shortfall cell. A `<tfoot>` row (`<tr
//! class="supply" data-key="supply">`) gives the team's supply per skill
//! under the skill columns, so a reader sees what the short rows run out
//! of (no footer when the view has no supply: not computed). Plan data
//! inside the table's own sentences (the caption, those titles, the
//! shortfall cell) is in bidi isolation, `<bdi>` in text and U+2068 ...
//! U+2069 in attributes, so a name in a right-to-left script or holding a
//! bidi control cannot reorder the words around it.

use std::collections::{BTreeMap, BTreeSet};

use planhost_guest::format::Amounts;
pub use planhost_guest::format::Units;
use planhost_guest::model::{PlanInfo, WorkItem, WorkView};
use planhost_guest::{Html, RenderError, isolate};

use crate::format::push_number;

/// Columns besides the skills: rank, name, track, triage, shortfall.
const FIXED_COLUMNS: usize = 5;

/// What every row needs to know about the table it is in.
struct Layout<'a> {
    plan: &'a PlanInfo,
    skills: Vec<&'a str>,
    /// Estimates and shortfalls in the `units` option's units.
    amounts: Amounts,
}

impl Layout<'_> {
    fn columns(&self) -> usize {
        FIXED_COLUMNS + self.skills.len()
    }

    /// Appends `weeks` in the table's units, with its suffix (`3w`, `0.23p`).
    fn push_amount(&self, out: &mut String, weeks: f64) {
        push_number(out, self.amounts.of(weeks));
        out.push(match self.amounts.units() {
            Units::Weeks => 'w',
            Units::People => 'p',
        });
    }

    /// Appends an estimate cell's text to `out`: nothing for no work.
    fn push_estimate(&self, out: &mut String, item: &WorkItem, skill: &str) {
        if let Some(&weeks) = item.estimates.get(skill)
            && weeks != 0.0
        {
            push_number(out, self.amounts.of(weeks));
        }
    }

    /// Committed but below the feasible line: the team cannot staff it.
    fn is_short(&self, item: &WorkItem) -> bool {
        item.rank <= self.plan.cutline && self.plan.feasible_line.is_some_and(|f| item.rank > f)
    }
}

/// Draws the work view as a well-formed HTML fragment.
pub fn render_work(view: &WorkView, units: Units) -> Result<String, RenderError> {
    let amounts = Amounts::new(units, &view.plan)?;
    let layout = Layout { plan: &view.plan, skills: skill_columns(view), amounts };
    let mut items: Vec<&WorkItem> = view.items.iter().collect();
    items.sort_by_key(|item| item.rank);

    // About 200 bytes a row in the 2,000-item bench plan, more with long
    // names and many skills: room for 400 saves most regrowth.
    let mut html = Html::with_capacity(1024 + 400 * items.len());
    html.open("table", &[("id", "work-table"), ("class", "work")]);
    caption(&mut html, &layout);
    head(&mut html, &layout);
    html.open("tbody", &[]);
    let mut lines = lines(&view.plan).into_iter().peekable();
    let mut buffers = Buffers::default();
    for item in items {
        while let Some(line) = lines.next_if(|line| line.rank < item.rank) {
            line_row(&mut html, line.kind, layout.columns());
        }
        item_row(&mut html, item, &layout, &mut buffers);
    }
    for line in lines {
        line_row(&mut html, line.kind, layout.columns());
    }
    html.close("tbody");
    supply_row(&mut html, &view.supply, &layout);
    html.close("table");
    html.finish()
}

/// The view's skills in order, then any other skill an item has an
/// estimate for (alphabetically), so no estimate goes unshown.
fn skill_columns(view: &WorkView) -> Vec<&str> {
    let mut skills: Vec<&str> = Vec::new();
    for skill in &view.skills {
        if !skills.contains(&skill.as_str()) {
            skills.push(skill);
        }
    }
    let mut extra: BTreeSet<&str> = BTreeSet::new();
    for item in &view.items {
        for skill in item.estimates.keys() {
            if !skills.contains(&skill.as_str()) {
                extra.insert(skill);
            }
        }
    }
    skills.extend(extra);
    skills
}

/// `Q3: 13 weeks; estimates in weeks`, the plan's name in bidi isolation.
fn caption(html: &mut Html, layout: &Layout) {
    let units = layout.amounts.units().name();
    let text = format!(": {} weeks; estimates in {units}", layout.plan.weeks);
    html.open("caption", &[]).isolated(&layout.plan.name).text(&text).close("caption");
}

fn head(html: &mut Html, layout: &Layout) {
    html.open("thead", &[]).open("tr", &[("data-key", "head")]);
    html.element("th", &[("scope", "col"), ("class", "rank")], "Rank");
    html.element("th", &[("scope", "col"), ("class", "name")], "Item");
    for skill in &layout.skills {
        html.element("th", &[("scope", "col"), ("class", "estimate")], skill);
    }
    html.element("th", &[("scope", "col"), ("class", "track")], "Track");
    html.element("th", &[("scope", "col"), ("class", "triage")], "Triage");
    html.element("th", &[("scope", "col"), ("class", "shortfall")], "Short");
    html.close("tr").close("thead");
}

/// The team's supply per skill in the table's units, a `<tfoot>` row
/// under the skill columns (`0` for a skill nobody has); nothing when the
/// view has no supply (not computed). One row: a class on each cell (so
/// the style sheet right-aligns them as numbers) costs nothing here.
fn supply_row(html: &mut Html, supply: &BTreeMap<String, f64>, layout: &Layout) {
    if supply.is_empty() {
        return;
    }
    let title = format!("the team's supply per skill, in {}", layout.amounts.units().name());
    html.open("tfoot", &[]).open("tr", &[("class", "supply"), ("data-key", "supply")]);
    html.element("th", &[("scope", "row"), ("colspan", "2"), ("title", &title)], "Supply");
    let mut cell = String::new();
    for skill in &layout.skills {
        cell.clear();
        push_number(&mut cell, layout.amounts.of(supply.get(*skill).copied().unwrap_or(0.0)));
        html.element("td", &[("class", "estimate")], &cell);
    }
    let rest = (FIXED_COLUMNS - 2).to_string();
    html.element("td", &[("colspan", &rest)], "");
    html.close("tr").close("tfoot");
}

/// Text written for one row and then copied into the fragment, in buffers
/// reused from row to row.
#[derive(Default)]
struct Buffers {
    key: String,
    cell: String,
    shortfall: String,
}

fn item_row(html: &mut Html, item: &WorkItem, layout: &Layout, text: &mut Buffers) {
    let Buffers { key, cell, shortfall } = text;
    key.clear();
    key.push_str("item-");
    key.push_str(&item.id);
    let mut attrs = [("data-key", key.as_str()), ("", ""), ("", "")];
    let attrs = if layout.is_short(item) {
        shortfall.clear();
        push_shortfall(shortfall, item, layout);
        attrs[1] = ("class", "short");
        attrs[2] = ("title", if shortfall.is_empty() { "short of staff" } else { shortfall });
        &attrs[..]
    } else if item.rank > layout.plan.cutline {
        attrs[1] = ("class", "below-cutline");
        &attrs[..2]
    } else {
        &attrs[..1]
    };
    html.open("tr", attrs);
    // Body cells carry no class: the head names the columns, and a class
    // on each of a 2,000-row table's 20,000 cells would be half its HTML
    // (the client's style sheet finds the columns by position).
    cell.clear();
    push_number(cell, f64::from(item.rank));
    html.element("td", &[], cell);
    html.open("td", &[]);
    push_id(html, item, cell);
    html.text(&item.name).close("td");
    for skill in &layout.skills {
        if layout.amounts.unparsed_cell(html, None, item, skill) {
            continue;
        }
        cell.clear();
        layout.push_estimate(cell, item, skill);
        html.element("td", &[], cell);
    }
    html.element("td", &[], item.track.as_deref().unwrap_or(""));
    cell.clear();
    if let Some(triage) = item.triage {
        push_number(cell, triage);
    }
    html.element("td", &[], cell);
    html.open("td", &[]);
    shortfall_cell(html, item, layout, cell);
    html.close("td").close("tr");
}

/// Writes the item's id before its name, `<b>#42</b> ` (`buffer` is a
/// buffer to write it in): what every console command takes (`rank(42,
/// 1)`), and on most rows not the rank. The id comes first, so a name's
/// right-to-left text or bidi controls, which act on what follows them,
/// cannot move it; an id that could move the name is in bidi isolation.
/// (11 bytes on a row with a two-digit id: a column of its own would cost
/// as much, and move every column the style sheet finds by position.)
fn push_id(html: &mut Html, item: &WorkItem, buffer: &mut String) {
    buffer.clear();
    buffer.push('#');
    buffer.push_str(&isolate(&item.id));
    html.element("b", &[], buffer).text(" ");
}

/// Appends `short: Web 3w, QA 1w`, or nothing when the item is short of
/// nothing: a row's `title`, so each skill name is in bidi isolation.
fn push_shortfall(out: &mut String, item: &WorkItem, layout: &Layout) {
    for (at, short) in item.short.iter().enumerate() {
        out.push_str(if at == 0 { "short: " } else { ", " });
        out.push_str(&isolate(&short.skill));
        out.push(' ');
        layout.push_amount(out, short.weeks);
    }
}

/// The shortfall cell's content: what [`push_shortfall`] says, then the
/// unreadable estimates that name no skill column (`cannot read estimate
/// oops`), each name and estimate in `<bdi>` when it needs it; `amount` is
/// a buffer to write amounts in.
fn shortfall_cell(html: &mut Html, item: &WorkItem, layout: &Layout, amount: &mut String) {
    let mut separator = "";
    for (at, short) in item.short.iter().enumerate() {
        html.text(if at == 0 { "short: " } else { ", " }).isolated(&short.skill);
        amount.clear();
        amount.push(' ');
        layout.push_amount(amount, short.weeks);
        html.text(amount);
        separator = "; ";
    }
    for text in item.unparsed_elsewhere(&layout.skills) {
        html.text(separator).text("cannot read estimate ").isolated(text);
        separator = "; ";
    }
}

/// A line drawn across the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LineKind {
    Cutline,
    Feasible,
}

/// A line and the rank of the last item above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Line {
    rank: u32,
    kind: LineKind,
}

/// The plan's lines in table order; at the same rank the cutline comes
/// first.
fn lines(plan: &PlanInfo) -> Vec<Line> {
    let mut lines = vec![Line { rank: plan.cutline, kind: LineKind::Cutline }];
    if let Some(rank) = plan.feasible_line {
        lines.push(Line { rank, kind: LineKind::Feasible });
    }
    lines.sort();
    lines
}

fn line_row(html: &mut Html, kind: LineKind, columns: usize) {
    let (key, text) = match kind {
        LineKind::Cutline => ("cutline", "cutline: items above are committed"),
        LineKind::Feasible => ("feasible-line", "feasible line: items above can be staffed"),
    };
    html.open("tr", &[("class", key), ("data-key", key)]);
    html.element("td", &[("colspan", &columns.to_string())], text);
    html.close("tr");
}

#[cfg(test)]
mod tests;
