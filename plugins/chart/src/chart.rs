//! The `chart` view: running demand against supply per skill down the
//! ranking, as an inline SVG in `<figure id="chart">`.
//!
//! The x axis is the rank, the y axis weeks (or people). Each skill has a
//! `<polyline data-key="running-SKILL">` of its running demand and, when it
//! has supply, a thin evenly dashed horizontal `<line
//! data-key="supply-SKILL">`. Skills differ in colour, dash pattern and
//! marker shape ([`look`]): a `<path data-key="markers-SKILL">` puts the
//! skill's marker along its running line and where its supply line meets
//! the y axis, and a `<text data-key="label-SKILL">` names it at the
//! line's end, so no line needs its colour to be told apart. The cutline
//! (`data-key="cutline"`) and the feasible line (`data-key="feasible-line"`)
//! are labelled vertical lines in red and green, colours no skill has, and
//! committed items the team cannot staff sit on a shaded band
//! (`data-key="short-zone"`). A legend (`data-key="legend-SKILL"` per
//! skill) shows each skill's line as drawn. The SVG has no scripts, styles
//! or links: only shapes, text and presentation attributes.
//!
//! Plan data inside the chart's own sentences (its title, the tooltips,
//! the caption) is in bidi isolation, so a name in a right-to-left script
//! or holding a bidi control cannot reorder the words around it.

mod axis;
mod labels;
mod look;
mod series;

use std::collections::BTreeSet;

use planhost_guest::format::{Amounts, Units, format_number_compact};
use planhost_guest::model::{ChartView, PlanInfo, WorkItem};
use planhost_guest::{Html, Keys, RenderError, isolate};

use self::axis::{Axis, clamp, coord};
use self::labels::spread;
use self::look::{Look, Marker, look};
use self::series::{running_demand, thin};

/// Width of the whole drawing.
const WIDTH: f64 = 910.0;
/// Space left of the plot for the y tick labels and axis title.
const LEFT: f64 = 64.0;
/// Space above the plot for the cutline and feasible line labels.
const TOP: f64 = 36.0;
/// Height of the plot itself.
const PLOT_HEIGHT: f64 = 320.0;
/// Space below the plot for the x tick labels and axis title.
const BOTTOM: f64 = 48.0;
/// Width of the column right of the plot that names each line at its end.
const LABEL_COLUMN: f64 = 110.0;
/// Vertical room of one line-end label.
const LABEL_SPACING: f64 = 13.0;
/// Most markers along one running line, besides the one at its end.
const MARKERS_PER_LINE: usize = 8;
/// Width of the legend, right of the line-end labels.
const LEGEND_WIDTH: f64 = 190.0;
/// Gap between the plot and the legend.
const GAP: f64 = 20.0;
/// Space between the legend's right-aligned supply and the drawing's edge.
const LEGEND_MARGIN: f64 = 8.0;
/// Height of one legend row.
const LEGEND_ROW: f64 = 20.0;
/// Width of a legend row's line.
const SWATCH: f64 = 32.0;
/// Legend and line-end names longer than this many characters are
/// shortened (the full name is in the entry's tooltip).
const NAME_CHARS: usize = 14;
/// Labels of vertical lines closer than this share no row.
const PLAN_LABEL_SPACING: f64 = 90.0;
/// Text, axes and the legend's line styles. The drawing's colours are
/// fixed for a light background, so the SVG reads the same wherever it is
/// shown; the client puts it on light paper in a dark page.
const INK: &str = "#333";
/// Grid lines.
const GRID: &str = "#dde1e6";
/// The cutline, the feasible line and the band of items short of staff, in
/// the work table's colours (which no skill's line has: [`look::PALETTE`]).
const CUTLINE: &str = "#cf222e";
const FEASIBLE: &str = "#2da44e";
const SHORT: &str = "#e36209";
/// The supply lines' dashes, which no running demand line has.
const SUPPLY_DASH: &str = "6 4";

/// One skill as drawn.
struct Skill<'a> {
    name: &'a str,
    look: Look,
    /// Running demand in the chart's units: `(rank, amount)`, clamped to
    /// [`axis::LIMIT`] like every amount drawn.
    running: Vec<(f64, f64)>,
    /// Supply in the chart's units; `None` when the view has none.
    supply: Option<f64>,
}

/// Where everything goes.
struct Frame {
    x: Axis,
    y: Axis,
    height: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Draws the chart view as a well-formed HTML fragment holding an SVG.
pub fn render_chart(view: &ChartView, units: Units) -> Result<String, RenderError> {
    let amounts = Amounts::new(units, &view.plan)?;
    let mut items: Vec<&WorkItem> = view.items.iter().collect();
    items.sort_by_key(|item| item.rank);
    let names = skill_order(view);
    let skills: Vec<Skill> = names
        .iter()
        .zip(running_demand(&items, &names))
        .enumerate()
        .map(|(i, (name, running))| Skill {
            name,
            look: look(i),
            running: running
                .into_iter()
                .map(|(rank, weeks)| (rank, clamp(amounts.of(weeks))))
                .collect(),
            supply: view.supply.get(*name).map(|&weeks| clamp(amounts.of(weeks))),
        })
        .collect();
    let last_rank = items.last().map_or(0, |item| item.rank);
    let frame = frame(&skills, last_rank);

    let mut keys = Keys::default();
    let mut html = Html::new();
    html.open("figure", &[("id", "chart"), ("class", "chart")]);
    let (width, height) = (coord(WIDTH), coord(frame.height));
    let view_box = format!("0 0 {width} {height}");
    html.open(
        "svg",
        &[
            ("id", "chart-svg"),
            ("viewBox", &view_box),
            ("width", &width),
            ("height", &height),
            ("role", "img"),
            ("aria-labelledby", "chart-title"),
            ("font-family", "sans-serif"),
            ("font-size", "12"),
            ("style", "max-width: 100%; height: auto"),
        ],
    );
    let title = format!("{}: running demand against supply per skill", isolate(&view.plan.name));
    html.element("title", &[("id", "chart-title")], &title);
    short_zone(&mut html, &view.plan, &frame);
    grid(&mut html, &frame, amounts.units());
    supply_lines(&mut html, &skills, &frame, amounts.units(), &mut keys);
    running_lines(&mut html, &skills, &frame, &mut keys);
    markers(&mut html, &skills, &frame, &mut keys);
    plan_lines(&mut html, &view.plan, &frame);
    line_labels(&mut html, &skills, &frame, &mut keys);
    if items.is_empty() {
        let (x, y) =
            (coord((frame.left + frame.right) / 2.0), coord(frame.top + PLOT_HEIGHT / 2.0));
        let attrs =
            [("data-key", "empty"), ("x", x.as_str()), ("y", &y), ("text-anchor", "middle")];
        html.element("text", &attrs, "No work items");
    }
    legend(&mut html, &skills, &frame, amounts.units(), &mut keys);
    html.close("svg");
    html.open("figcaption", &[]);
    caption(&mut html, view, &skills, amounts.units());
    html.close("figcaption");
    html.close("figure");
    html.finish()
}

/// The view's skills in order, then any other skill with supply, an
/// estimate or running demand (alphabetically).
fn skill_order(view: &ChartView) -> Vec<&str> {
    let mut skills: Vec<&str> = Vec::new();
    for skill in &view.skills {
        if !skills.contains(&skill.as_str()) {
            skills.push(skill);
        }
    }
    let mut extra: BTreeSet<&str> = view.supply.keys().map(String::as_str).collect();
    for item in &view.items {
        extra.extend(item.estimates.keys().map(String::as_str));
        extra.extend(item.running.keys().map(String::as_str));
    }
    skills.extend(extra.into_iter().filter(|skill| !view.skills.iter().any(|s| s == skill)));
    skills
}

/// Sizes the drawing: the plot spans ranks 0 to the last item's and every
/// running demand and supply; the drawing grows downwards when the legend
/// needs more room than the plot.
fn frame(skills: &[Skill], last_rank: u32) -> Frame {
    let values = skills
        .iter()
        .flat_map(|skill| skill.running.iter().map(|&(_, amount)| amount).chain(skill.supply));
    let (low, high) = values.fold((0.0f64, 0.0f64), |(low, high), v| (low.min(v), high.max(v)));
    let left = LEFT;
    let right = WIDTH - LEGEND_WIDTH - GAP - LABEL_COLUMN;
    let top = TOP;
    let bottom = TOP + PLOT_HEIGHT;
    let legend_rows = skills.len() as f64 + 2.0;
    // Line-end labels that do not fit beside the plot run on below it.
    let labels = TOP + LABEL_SPACING * skills.len() as f64 + LEGEND_ROW;
    let height = (bottom + BOTTOM).max(TOP + legend_rows * LEGEND_ROW + LEGEND_ROW).max(labels);
    Frame {
        x: Axis::ranks(last_rank, left, right),
        y: Axis::values(low, high, bottom, top),
        height,
        left,
        right,
        top,
        bottom,
    }
}

/// Shades the committed items below the feasible line: short of staff.
fn short_zone(html: &mut Html, plan: &PlanInfo, frame: &Frame) {
    let Some(feasible) = plan.feasible_line else { return };
    if feasible >= plan.cutline {
        return;
    }
    let from = frame.x.at(f64::from(feasible));
    let to = frame.x.at(f64::from(plan.cutline));
    let (x, y, width, height) =
        (coord(from), coord(frame.top), coord(to - from), coord(frame.bottom - frame.top));
    html.open(
        "rect",
        &[
            ("data-key", "short-zone"),
            ("x", &x),
            ("y", &y),
            ("width", &width),
            ("height", &height),
            ("fill", SHORT),
            ("fill-opacity", "0.12"),
        ],
    );
    html.element("title", &[], "committed but short of staff");
    html.close("rect");
}

/// Grid lines, ticks, axes and axis titles.
fn grid(html: &mut Html, frame: &Frame, units: Units) {
    html.open("g", &[("data-key", "grid"), ("stroke", GRID)]);
    for value in frame.y.ticks() {
        let y = coord(frame.y.at(value));
        let (x1, x2) = (coord(frame.left), coord(frame.right));
        line(html, &[("x1", &x1), ("y1", &y), ("x2", &x2), ("y2", &y)]);
    }
    html.close("g");

    html.open("g", &[("data-key", "axes"), ("fill", INK)]);
    let (left, right, top, bottom) =
        (coord(frame.left), coord(frame.right), coord(frame.top), coord(frame.bottom));
    let zero = coord(frame.y.at(0.0));
    line(html, &[("x1", &left), ("y1", &zero), ("x2", &right), ("y2", &zero), ("stroke", INK)]);
    line(html, &[("x1", &left), ("y1", &top), ("x2", &left), ("y2", &bottom), ("stroke", INK)]);
    for value in frame.y.ticks() {
        let (x, y) = (coord(frame.left - 6.0), coord(frame.y.at(value) + 4.0));
        let attrs = [("x", x.as_str()), ("y", &y), ("text-anchor", "end")];
        html.element("text", &attrs, &frame.y.label(value));
    }
    for value in frame.x.ticks() {
        let x = coord(frame.x.at(value));
        let (y1, y2, y) =
            (coord(frame.bottom), coord(frame.bottom + 4.0), coord(frame.bottom + 18.0));
        line(html, &[("x1", &x), ("y1", &y1), ("x2", &x), ("y2", &y2), ("stroke", INK)]);
        let attrs = [("x", x.as_str()), ("y", &y), ("text-anchor", "middle")];
        html.element("text", &attrs, &frame.x.label(value));
    }
    let (x, y) = (coord((frame.left + frame.right) / 2.0), coord(frame.bottom + 38.0));
    html.element("text", &[("x", &x), ("y", &y), ("text-anchor", "middle")], "Rank");
    let (x, y) = (coord(16.0), coord((frame.top + frame.bottom) / 2.0));
    let rotate = format!("rotate(-90 {x} {y})");
    let attrs = [("x", x.as_str()), ("y", &y), ("text-anchor", "middle"), ("transform", &rotate)];
    let title = match units {
        Units::Weeks => "Weeks",
        Units::People => "People",
    };
    html.element("text", &attrs, title);
    html.close("g");
}

/// One thin, evenly dashed horizontal line per skill with supply.
fn supply_lines(html: &mut Html, skills: &[Skill], frame: &Frame, units: Units, keys: &mut Keys) {
    html.open(
        "g",
        &[("data-key", "supply"), ("stroke-width", "1.25"), ("stroke-dasharray", SUPPLY_DASH)],
    );
    for skill in skills {
        let Some(supply) = skill.supply else { continue };
        let key = keys.unique(format!("supply-{}", skill.name));
        let y = coord(frame.y.at(supply));
        let (x1, x2) = (coord(frame.left), coord(frame.right));
        let attrs = [
            ("data-key", key.as_str()),
            ("x1", &x1),
            ("y1", &y),
            ("x2", &x2),
            ("y2", &y),
            ("stroke", skill.look.colour),
        ];
        html.open("line", &attrs);
        let tooltip = format!(
            "{} supply: {} {}",
            isolate(skill.name),
            format_number_compact(supply),
            units.name()
        );
        html.element("title", &[], &tooltip);
        html.close("line");
    }
    html.close("g");
}

/// One polyline of running demand per skill, in its colour and dashes.
fn running_lines(html: &mut Html, skills: &[Skill], frame: &Frame, keys: &mut Keys) {
    html.open(
        "g",
        &[
            ("data-key", "running"),
            ("fill", "none"),
            ("stroke-width", "2"),
            ("stroke-linejoin", "round"),
        ],
    );
    for skill in skills {
        let key = keys.unique(format!("running-{}", skill.name));
        let pixels: Vec<(f64, f64)> = skill
            .running
            .iter()
            .map(|&(rank, amount)| (frame.x.at(rank), frame.y.at(amount)))
            .collect();
        let points: Vec<String> =
            thin(&pixels).into_iter().map(|(x, y)| format!("{},{}", coord(x), coord(y))).collect();
        let points = points.join(" ");
        let mut attrs =
            vec![("data-key", key.as_str()), ("points", &points), ("stroke", skill.look.colour)];
        if !skill.look.dash.is_empty() {
            attrs.push(("stroke-dasharray", skill.look.dash));
        }
        html.open("polyline", &attrs);
        html.element("title", &[], &format!("{} running demand", isolate(skill.name)));
        html.close("polyline");
    }
    html.close("g");
}

/// Each skill's markers, one `<path>` per skill: along its running line
/// (at most [`MARKERS_PER_LINE`] and one at its end, on items spread
/// evenly down the ranking and staggered from skill to skill so that lines
/// running together do not hide each other's markers) and where its supply
/// line meets the y axis.
fn markers(html: &mut Html, skills: &[Skill], frame: &Frame, keys: &mut Keys) {
    html.open("g", &[("data-key", "markers"), ("stroke-width", "1.25")]);
    for (i, skill) in skills.iter().enumerate() {
        let key = keys.unique(format!("markers-{}", skill.name));
        let mut d = String::new();
        let last = skill.running.len().saturating_sub(1);
        let step = last.div_ceil(MARKERS_PER_LINE).max(1);
        let offset = i * step / skills.len().max(1);
        for at in (1 + offset..last).step_by(step).filter(|&at| last - at >= step.div_ceil(2)) {
            let (rank, amount) = skill.running[at];
            skill.look.marker.push_path(&mut d, frame.x.at(rank), frame.y.at(amount));
        }
        if let Some(&(rank, amount)) = skill.running.last() {
            skill.look.marker.push_path(&mut d, frame.x.at(rank), frame.y.at(amount));
        }
        if let Some(supply) = skill.supply {
            skill.look.marker.push_path(&mut d, frame.left, frame.y.at(supply));
        }
        let attrs = [
            ("data-key", key.as_str()),
            ("d", &d),
            ("fill", skill.look.marker_fill()),
            ("stroke", skill.look.colour),
        ];
        html.open("path", &attrs).close("path");
    }
    html.close("g");
}

/// The cutline and, when the plan has one, the feasible line, with labels
/// above the plot (on two rows when they would overlap).
fn plan_lines(html: &mut Html, plan: &PlanInfo, frame: &Frame) {
    let cutline_x = frame.x.at(f64::from(plan.cutline));
    let label = format!("cutline {}", plan.cutline);
    plan_line(html, frame, ("cutline", CUTLINE, ""), cutline_x, frame.top - 20.0, &label);
    if let Some(feasible) = plan.feasible_line {
        let x = frame.x.at(f64::from(feasible));
        let row = if (x - cutline_x).abs() < PLAN_LABEL_SPACING { 6.0 } else { 20.0 };
        let label = format!("feasible {feasible}");
        plan_line(html, frame, ("feasible-line", FEASIBLE, "4 3"), x, frame.top - row, &label);
    }
}

/// A labelled vertical line: `style` is (data-key, colour, dash pattern).
fn plan_line(
    html: &mut Html,
    frame: &Frame,
    (key, colour, dash): (&str, &str, &str),
    x: f64,
    label_y: f64,
    label: &str,
) {
    html.open("g", &[("data-key", key), ("stroke", colour), ("fill", colour)]);
    let (x_text, top, bottom) = (coord(x), coord(frame.top), coord(frame.bottom));
    let mut attrs = vec![("x1", x_text.as_str()), ("y1", &top), ("x2", &x_text), ("y2", &bottom)];
    if !dash.is_empty() {
        attrs.push(("stroke-dasharray", dash));
    }
    attrs.push(("stroke-width", "1.5"));
    line(html, &attrs);
    // Keep the label inside the drawing near the plot's edges.
    let anchor = if x - frame.left < 40.0 {
        "start"
    } else if frame.right - x < 40.0 {
        "end"
    } else {
        "middle"
    };
    let y = coord(label_y);
    let attrs = [("x", x_text.as_str()), ("y", &y), ("text-anchor", anchor), ("stroke", "none")];
    html.element("text", &attrs, label);
    html.close("g");
}

/// Each running line's name at its end, right of the plot: as near the
/// line's end as the other names leave room for, with a short leader from
/// the end when it had to move.
fn line_labels(html: &mut Html, skills: &[Skill], frame: &Frame, keys: &mut Keys) {
    let ends: Vec<f64> = skills
        .iter()
        .map(|skill| skill.running.last().map_or(frame.y.at(0.0), |&(_, v)| frame.y.at(v)))
        .collect();
    let placed = spread(&ends, LABEL_SPACING, frame.top, frame.bottom);
    html.open("g", &[("data-key", "labels"), ("font-size", "11")]);
    for ((skill, &end), &y) in skills.iter().zip(&ends).zip(&placed) {
        let key = keys.unique(format!("label-{}", skill.name));
        html.open("g", &[("data-key", &key), ("fill", skill.look.colour)]);
        if (y - end).abs() >= 0.5 {
            let (x1, y1, x2, y2) =
                (coord(frame.right + 2.0), coord(end), coord(frame.right + 8.0), coord(y));
            let colour = skill.look.colour;
            line(html, &[("x1", &x1), ("y1", &y1), ("x2", &x2), ("y2", &y2), ("stroke", colour)]);
        }
        let (x, y) = (coord(frame.right + 10.0), coord(y + 4.0));
        html.element("text", &[("x", &x), ("y", &y)], &name_label(skill.name));
        html.close("g");
    }
    html.close("g");
}

/// The legend right of the line-end labels: what thick and thin dashed
/// lines mean, then one entry per skill with its line as drawn (colour,
/// dashes, marker), its name and its supply (right-aligned).
fn legend(html: &mut Html, skills: &[Skill], frame: &Frame, units: Units, keys: &mut Keys) {
    let x = frame.right + LABEL_COLUMN + GAP;
    html.open("g", &[("data-key", "legend"), ("fill", INK)]);
    let rows = [
        ("legend-running", "", "2", "running demand"),
        ("legend-supply", SUPPLY_DASH, "1.25", "supply"),
    ];
    for (row, (key, dash, width, text)) in rows.into_iter().enumerate() {
        let y = frame.top + row as f64 * LEGEND_ROW;
        let key = keys.unique(key.to_owned());
        html.open("g", &[("data-key", &key)]);
        swatch(html, x, y, (INK, dash, width), None);
        label(html, x + SWATCH + 6.0, y, "start", text);
        html.close("g");
    }
    for (row, skill) in skills.iter().enumerate() {
        let y = frame.top + (row as f64 + 2.0) * LEGEND_ROW;
        let key = keys.unique(format!("legend-{}", skill.name));
        html.open("g", &[("data-key", &key)]);
        let name = isolate(skill.name);
        let (supply, tooltip) = match skill.supply {
            Some(supply) => (
                format_number_compact(supply),
                format!("{name}: supply {} {}", format_number_compact(supply), units.name()),
            ),
            None => ("none".to_owned(), format!("{name}: no supply")),
        };
        html.element("title", &[], &tooltip);
        let look = &skill.look;
        swatch(html, x, y, (look.colour, look.dash, "2"), Some((look.marker, look.marker_fill())));
        label(html, x + SWATCH + 6.0, y, "start", &name_label(skill.name));
        label(html, x + LEGEND_WIDTH - LEGEND_MARGIN, y, "end", &supply);
        html.close("g");
    }
    html.close("g");
}

/// A short line at the start of a legend row, `style` being its (colour,
/// dash pattern, width), with a marker (shape and fill) in its middle.
fn swatch(
    html: &mut Html,
    x: f64,
    y: f64,
    style: (&str, &str, &str),
    marker: Option<(Marker, &str)>,
) {
    let (colour, dash, width) = style;
    let (x1, x2, y_text) = (coord(x), coord(x + SWATCH), coord(y - 4.0));
    let mut attrs = vec![("x1", x1.as_str()), ("y1", &y_text), ("x2", &x2), ("y2", &y_text)];
    attrs.extend([("stroke", colour), ("stroke-width", width)]);
    if !dash.is_empty() {
        attrs.push(("stroke-dasharray", dash));
    }
    line(html, &attrs);
    if let Some((marker, fill)) = marker {
        let mut d = String::new();
        marker.push_path(&mut d, x + SWATCH / 2.0, y - 4.0);
        html.open("path", &[("d", d.as_str()), ("fill", fill), ("stroke", colour)]).close("path");
    }
}

/// A legend row's text at `x`, aligned by `anchor`.
fn label(html: &mut Html, x: f64, y: f64, anchor: &str, text: &str) {
    let (x, y) = (coord(x), coord(y));
    html.element("text", &[("x", &x), ("y", &y), ("text-anchor", anchor)], text);
}

/// A skill's name as a label: cut to [`NAME_CHARS`] (`…` marking the
/// cut) and in bidi isolation, so the `…` stays at its end.
fn name_label(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        return isolate(name).into_owned();
    }
    let short: String = name.chars().take(NAME_CHARS - 1).collect();
    format!("{}…", isolate(&short))
}

/// An SVG `<line>` with no content.
fn line(html: &mut Html, attrs: &[(&str, &str)]) {
    html.open("line", attrs).close("line");
}

/// The figure's caption: plan, units, lines and the skills short of supply
/// at the cutline, names in `<bdi>` where they need it.
fn caption(html: &mut Html, view: &ChartView, skills: &[Skill], units: Units) {
    let plan = &view.plan;
    html.isolated(&plan.name);
    let mut text = format!(
        ": running demand against supply per skill in {}, down {} ranked items; cutline at {}",
        units.name(),
        view.items.len(),
        plan.cutline
    );
    if let Some(feasible) = plan.feasible_line {
        text.push_str(&format!(", feasible line at {feasible}"));
    }
    html.text(&text);
    let short = skills.iter().filter_map(|skill| {
        let supply = skill.supply.unwrap_or(0.0);
        let committed = skill
            .running
            .iter()
            .take_while(|&&(rank, _)| rank <= f64::from(plan.cutline))
            .last()
            .map_or(0.0, |&(_, amount)| amount);
        (committed > supply + 1e-9).then_some((skill.name, committed - supply))
    });
    for (at, (name, by)) in short.enumerate() {
        html.text(if at == 0 { "; short at the cutline: " } else { ", " });
        html.isolated(name).text(&format!(" by {}", format_number_compact(by)));
    }
}

#[cfg(test)]
mod tests;
