//! Tests of the chart, run natively with `cargo test`.

use std::collections::HashSet;

use planhost_guest::format::Units;
use planhost_guest::model::ChartView;
use planhost_guest::{RenderError, RenderRequest};

use super::render_chart;

/// Six ranked items over three skills, cutline at 5 and feasible line at
/// 3: Web runs out of supply at item 4; QA has zero supply; BB has demand
/// but no supply at all. `running` is filled as the plan computes it.
const PLAN: &str = r#"{
  "plan": {"name": "2013Q3", "weeks": 13, "cutline": 5, "feasible_line": 3},
  "skills": ["Native", "Web", "QA"],
  "supply": {"Native": 26, "Web": 6.5, "QA": 0},
  "items": [
    {"id": 1, "name": "Login", "rank": 1, "estimates": {"Native": 6, "Web": 2},
     "running": {"Native": 6, "Web": 2}},
    {"id": 2, "name": "Sync", "rank": 2, "estimates": {"Native": 3, "Web": 4},
     "running": {"Native": 9, "Web": 6}},
    {"id": 3, "name": "Search", "rank": 3, "estimates": {"Native": 2},
     "running": {"Native": 11, "Web": 6}},
    {"id": 4, "name": "Offline", "rank": 4, "estimates": {"Web": 3, "BB": 1},
     "running": {"Native": 11, "Web": 9, "BB": 1}},
    {"id": 5, "name": "Audit", "rank": 5, "estimates": {"Native": 1},
     "running": {"Native": 12, "Web": 9, "BB": 1}},
    {"id": 6, "name": "Theme", "rank": 6, "estimates": {"Web": 1},
     "running": {"Native": 12, "Web": 10, "BB": 1}}
  ]
}"#;

fn parse(data: &str) -> ChartView {
    RenderRequest::new("chart", data, &[]).data().unwrap()
}

fn render(data: &str) -> String {
    render_view(&parse(data), Units::Weeks)
}

/// Renders and checks what every chart must be: well-formed, keyed,
/// finite, self-contained.
fn render_view(view: &ChartView, units: Units) -> String {
    let html = render_chart(view, units).unwrap();
    assert_well_formed(&html);
    assert_keyed(&html);
    assert_finite(&html);
    assert_self_contained(&html);
    html
}

/// Checks that every start tag is closed in order, and that no `<` or `>`
/// appears outside a tag.
fn assert_well_formed(html: &str) {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        assert!(!rest[..start].contains('>'), "stray > in {html}");
        let end = start + rest[start..].find('>').expect("unterminated tag");
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "mismatched </{name}> in {html}");
        } else {
            let name = tag.split(' ').next().unwrap_or_default();
            assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()));
            open.push(name);
        }
        rest = &rest[end + 1..];
    }
    assert!(!rest.contains('>'), "stray > in {html}");
    assert!(open.is_empty(), "unclosed {open:?} in {html}");
}

/// Checks that every group, polyline and rect carries a `data-key`, that
/// no key or id appears twice; returns the keys in document order.
fn assert_keyed(html: &str) -> Vec<String> {
    for tag in html.split('<') {
        if ["g ", "polyline ", "rect "].iter().any(|start| tag.starts_with(start)) {
            assert!(tag.contains("data-key=\""), "no key: <{tag}");
        }
    }
    let keys = attribute_values(html, "data-key");
    let mut seen = HashSet::new();
    for key in &keys {
        assert!(seen.insert(key), "data-key {key:?} twice in {html}");
    }
    assert_eq!(attribute_values(html, "id"), ["chart", "chart-svg", "chart-title"]);
    keys
}

/// Checks that every number in the markup is finite.
fn assert_finite(html: &str) {
    for bad in ["NaN", "inf", "∞"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
}

/// Checks for scripts, styles sheets, links and foreign content.
fn assert_self_contained(html: &str) {
    for bad in ["<script", "<style", "href", "url(", "http", "<image", "<foreignObject", "<use"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
}

fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let pattern = format!(" {name}=\"");
    html.match_indices(&pattern)
        .map(|(at, _)| {
            let value = &html[at + pattern.len()..];
            value[..value.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The start tag of the element whose `data-key` is `key`.
fn tag_of<'a>(html: &'a str, key: &str) -> &'a str {
    let at = html.find(&format!(r#"data-key="{key}""#)).unwrap_or_else(|| panic!("{key}"));
    let start = html[..at].rfind('<').unwrap();
    &html[start..at + html[at..].find('>').unwrap() + 1]
}

/// The `points` of the running demand polyline of `skill`, as numbers.
fn points(html: &str, skill: &str) -> Vec<(f64, f64)> {
    let tag = tag_of(html, &format!("running-{skill}"));
    let points = &attribute_values(tag, "points")[0];
    points
        .split(' ')
        .map(|pair| {
            let (x, y) = pair.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

#[test]
fn two_items_exactly() {
    // Plot: x 64..590 for ranks 0..2, y 356..36 for 0..8 weeks.
    let html = render(
        r#"{"plan": {"name": "Q3", "weeks": 13, "cutline": 1, "feasible_line": 2},
            "skills": ["Web"], "supply": {"Web": 8},
            "items": [{"id": "a", "name": "A", "rank": 1, "estimates": {"Web": 4}},
                      {"id": "b", "name": "B", "rank": 2, "estimates": {"Web": 4}}]}"#,
    );
    assert!(html.contains(r#"<polyline data-key="running-Web" points="64,356 327,196 590,36""#));
    assert!(html.contains(r#"<line data-key="supply-Web" x1="64" y1="36" x2="590" y2="36""#));
    assert!(html.contains(r#"<line x1="327" y1="36" x2="327" y2="356" stroke-width="1.5">"#));
    assert!(html.contains(">cutline 1</text>"), "{html}");
    assert!(html.contains(">feasible 2</text>"), "{html}");
    assert!(!html.contains("short-zone"), "feasible below the cutline: nothing is short");
    assert!(html.contains(r#"viewBox="0 0 910 404""#), "{html}");
}

#[test]
fn plan_with_short_skills() {
    let html = render(PLAN);
    let keys = assert_keyed(&html);
    let expected = [
        "short-zone",
        "grid",
        "axes",
        "supply",
        "supply-Native",
        "supply-Web",
        "supply-QA",
        "running",
        "running-Native",
        "running-Web",
        "running-QA",
        "running-BB",
        "markers",
        "markers-Native",
        "markers-Web",
        "markers-QA",
        "markers-BB",
        "cutline",
        "feasible-line",
        "labels",
        "label-Native",
        "label-Web",
        "label-QA",
        "label-BB",
        "legend",
        "legend-running",
        "legend-supply",
        "legend-Native",
        "legend-Web",
        "legend-QA",
        "legend-BB",
    ];
    assert_eq!(keys, expected);

    // Every skill starts at rank 0 with nothing and rises with the ranking.
    for skill in ["Native", "Web", "QA", "BB"] {
        let line = points(&html, skill);
        assert_eq!(line[0].0, 64.0, "{skill}");
        assert!(line.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 >= w[1].1), "{skill}");
    }
    // Web: 0, 2, 6, 6, 9, 9, 10; QA never has demand, so its flat line keeps
    // only its ends.
    assert_eq!(points(&html, "Web").len(), 7);
    assert_eq!(points(&html, "QA").len(), 2);

    // QA's zero supply lies on the zero line; BB has no supply line.
    let zero = attribute_values(tag_of(&html, "supply-QA"), "y1")[0].clone();
    assert_eq!(zero, "356");
    assert!(!html.contains("supply-BB"));
    assert!(html.contains("<title>BB: no supply</title>"));
    assert!(html.contains(r#"text-anchor="end">none</text>"#));

    // Items 4 and 5 are committed but short of staff.
    assert!(tag_of(&html, "short-zone").starts_with("<rect"));
    let caption = &html[html.find("<figcaption>").unwrap()..];
    assert!(caption.contains("cutline at 5, feasible line at 3"), "{caption}");
    assert!(caption.contains("short at the cutline: Web by 2.5, BB by 1"), "{caption}");
}

#[test]
fn running_demand_from_estimates() {
    // Without `running` the chart adds up the estimates: the same lines.
    let mut view = parse(PLAN);
    let given = render_view(&view, Units::Weeks);
    for item in &mut view.items {
        item.running.clear();
    }
    assert_eq!(render_view(&view, Units::Weeks), given);
}

#[test]
fn empty_plan() {
    let html = render(r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#);
    assert!(html.contains(">No work items</text>"), "{html}");
    assert!(html.contains(">cutline 0</text>"), "{html}");
    assert!(!html.contains("<polyline"), "{html}");

    // Skills but no items: a flat line at zero per skill, supply still drawn.
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}, "skills": ["Web"],
            "supply": {"Web": 13}, "items": []}"#,
    );
    assert!(html.contains(">No work items</text>"), "{html}");
    assert_eq!(points(&html, "Web"), [(64.0, 356.0)]);
    assert!(html.contains(r#"data-key="supply-Web""#));
}

#[test]
fn one_item() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 1},
            "items": [{"id": 1, "name": "A", "rank": 1, "estimates": {"Web": 3}}]}"#,
    );
    assert_eq!(points(&html, "Web"), [(64.0, 356.0), (590.0, 36.0)]);
    assert!(!html.contains("No work items"));
    assert!(!html.contains("feasible"), "no feasible line when not computed");
}

#[test]
fn two_thousand_items() {
    let skills = ["Native", "Web", "Apps", "BB", "QA"];
    let items: Vec<String> = (1..=2000)
        .map(|rank| {
            let skill = skills[rank % skills.len()];
            format!(
                r#"{{"id": {rank}, "name": "Item {rank}", "rank": {rank},
                     "estimates": {{"{skill}": {}}}}}"#,
                1 + rank % 3
            )
        })
        .collect();
    let data = format!(
        r#"{{"plan": {{"name": "big", "weeks": 13, "cutline": 1500, "feasible_line": 40}},
            "skills": ["Native", "Web", "Apps", "BB", "QA"],
            "supply": {{"Native": 130, "Web": 130, "Apps": 0, "QA": 65}},
            "items": [{}]}}"#,
        items.join(",")
    );
    let html = render(&data);
    assert!(html.len() < 100_000, "{} bytes", html.len());
    for skill in skills {
        let line = points(&html, skill);
        // At most a few points per pixel column of the 526 pixel wide plot.
        assert!(line.len() <= 2 * 527, "{skill}: {} points", line.len());
        assert_eq!(line.first(), Some(&(64.0, 356.0)));
        assert_eq!(line.last().unwrap().0, 590.0);
    }
    // Ranks are ticked every 500.
    assert!(html.contains(r#"text-anchor="middle">1500</text>"#), "{html}");
}

#[test]
fn absurd_numbers_stay_finite() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 3, "feasible_line": 1},
            "supply": {"Web": 1e308, "QA": -1e308},
            "items": [{"id": 1, "name": "A", "rank": 1, "estimates": {"Web": 1e308}},
                      {"id": 2, "name": "B", "rank": 2, "estimates": {"Web": 1e308}},
                      {"id": 3, "name": "C", "rank": 3, "estimates": {"Web": -1e-300}}]}"#,
    );
    assert!(html.contains("e15"), "tick labels in compact exponent form: {html}");
}

#[test]
fn many_and_long_skill_names() {
    let skills: Vec<String> =
        (0..30).map(|i| format!("\"Skill number {i} with a long name\"")).collect();
    let data = format!(
        r#"{{"plan": {{"name": "p", "weeks": 13, "cutline": 0}}, "skills": [{}]}}"#,
        skills.join(",")
    );
    let html = render(&data);
    // The drawing grows to fit the legend: 32 rows of 20 below the top, and one spare.
    assert!(html.contains(r#"viewBox="0 0 910 696""#), "{html}");
    assert!(html.contains(">Skill number …</text>"), "{html}");
    assert!(html.contains("<title>Skill number 29 with a long name: no supply</title>"));
}

#[test]
fn plan_data_cannot_inject_markup() {
    let hostile = r#"<script>alert(1)</script>"#;
    let quoted = r#"x\" onmouseover=\"alert(1)"#;
    let data = format!(
        r#"{{"plan": {{"name": "{hostile}", "weeks": 13, "cutline": 1}},
            "skills": ["{quoted}", "{hostile}"],
            "supply": {{"{quoted}": 1}},
            "items": [{{"id": "{quoted}", "name": "{hostile}", "rank": 1,
                       "estimates": {{"{quoted}": 2, "{hostile}": 1}}}}]}}"#
    );
    let html = render(&data);
    assert!(!html.contains(r#"" onmouseover"#), "{html}");
    assert!(html.contains(r#"data-key="running-x&quot; onmouseover=&quot;alert(1)""#), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
}

#[test]
fn skill_names_cannot_take_fixed_keys() {
    // A skill called `running` would make `legend-running` twice.
    let keys = assert_keyed(&render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}, "skills": ["running", "supply"]}"#,
    ));
    assert!(keys.contains(&"legend-running~2".to_owned()), "{keys:?}");
    assert!(keys.contains(&"legend-supply~2".to_owned()), "{keys:?}");
}

#[test]
fn lenient_lua_json() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13.0, "cutline": 1.0, "feasible_line": null},
            "skills": ["Web"], "supply": [],
            "items": [{"id": 1.0, "name": "A", "rank": 1.0, "estimates": {"Web": 2.0},
                       "running": [], "short": [], "track": null, "triage": null}]}"#,
    );
    assert_eq!(points(&html, "Web"), [(64.0, 356.0), (590.0, 36.0)]);
    assert!(!html.contains("supply-Web"));
}

#[test]
fn people_units() {
    let html = render_view(&parse(PLAN), Units::People);
    assert!(html.contains("per skill in people"));
    assert!(html.contains(">People</text>"));
    // Web's supply: 6.5 weeks of 13 is half a person.
    assert!(html.contains("<title>Web supply: 0.5 people</title>"), "{html}");

    let mut view = parse(PLAN);
    view.plan.weeks = 0;
    assert!(matches!(render_chart(&view, Units::People), Err(RenderError::InvalidData(_))));
}

/// The markup of the group whose `data-key` is `key`, which holds no other
/// group.
fn group<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html.find(&format!(r#"<g data-key="{key}""#)).unwrap_or_else(|| panic!("{key}"));
    &html[start..start + html[start..].find("</g>").unwrap()]
}

/// A marker path's shape: its steps after the first move, and whether it
/// is hollow.
fn marker_shape(path_tag: &str) -> (String, bool) {
    let d = &attribute_values(path_tag, "d")[0];
    let first = d[1..].split('M').next().unwrap();
    let steps = first.trim_start_matches(|c: char| c.is_ascii_digit() || ".,-".contains(c));
    (steps.to_owned(), attribute_values(path_tag, "fill")[0] == "#fff")
}

/// `count` skills named `S1`, `S2`, ... and 60 items, item `i` needing a
/// week of skill `i % count`, so every line rises a little.
fn many_skills(count: usize) -> String {
    let skills: Vec<String> = (1..=count).map(|i| format!("\"S{i}\"")).collect();
    let items: Vec<String> = (1..=60)
        .map(|rank| {
            format!(
                r#"{{"id": {rank}, "name": "I{rank}", "rank": {rank},
                     "estimates": {{"S{}": 1}}}}"#,
                rank % count + 1
            )
        })
        .collect();
    format!(
        r#"{{"plan": {{"name": "p", "weeks": 13, "cutline": 40, "feasible_line": 30}},
            "skills": [{}], "supply": {{"S1": 1, "S2": 2}}, "items": [{}]}}"#,
        skills.join(","),
        items.join(",")
    )
}

#[test]
fn forty_skills_all_look_different_even_without_colour() {
    let html = render(&many_skills(40));
    let mut plain = HashSet::new();
    let mut coloured = HashSet::new();
    for i in 1..=40 {
        let skill = format!("S{i}");
        let line = tag_of(&html, &format!("running-{skill}"));
        let stroke = attribute_values(line, "stroke")[0].clone();
        let dash = attribute_values(line, "stroke-dasharray").pop().unwrap_or_default();
        assert!(!["#cf222e", "#2da44e"].contains(&stroke.as_str()), "{skill}: {stroke}");
        let marker = marker_shape(tag_of(&html, &format!("markers-{skill}")));
        assert!(plain.insert((dash.clone(), marker.clone())), "{skill} looks like another");
        assert!(coloured.insert((stroke.clone(), dash.clone(), marker.clone())));

        // The legend shows the same line and marker.
        let entry = group(&html, &format!("legend-{skill}"));
        let swatch = &entry[entry.find("<line").unwrap()..];
        assert_eq!(attribute_values(swatch, "stroke")[0], stroke, "{entry}");
        assert_eq!(
            attribute_values(swatch, "stroke-dasharray").first(),
            Some(&dash).filter(|d| !d.is_empty())
        );
        assert_eq!(marker_shape(&entry[entry.find("<path").unwrap()..]), marker, "{entry}");

        // And the line is named at its end.
        let label = group(&html, &format!("label-{skill}"));
        assert!(label.contains(&format!(">{skill}</text>")), "{label}");
    }
}

#[test]
fn line_end_labels_sit_by_their_lines_without_overlapping() {
    let html = render(&many_skills(12));
    let height: f64 = attribute_values(&html, "height")[0].parse().unwrap();
    let mut heights: Vec<f64> = (1..=12)
        .map(|i| {
            let label = group(&html, &format!("label-S{i}"));
            let text = &label[label.find("<text").unwrap()..];
            let y: f64 = attribute_values(text, "y")[0].parse().unwrap();
            // Right of the plot (which ends at 590), left of the legend.
            let x: f64 = attribute_values(text, "x")[0].parse().unwrap();
            assert!((590.0..700.0).contains(&x), "{label}");
            // A label moved off its line's end has a leader back to it.
            let end = points(&html, &format!("S{i}")).last().unwrap().1;
            if (y - 4.0 - end).abs() >= 0.5 {
                let leader = &label[label.find("<line").expect("a leader")..];
                assert_eq!(attribute_values(leader, "y1")[0].parse::<f64>().unwrap(), end);
            }
            y
        })
        .collect();
    heights.sort_by(f64::total_cmp);
    assert!(heights.windows(2).all(|w| w[1] - w[0] >= 13.0), "{heights:?}");
    assert!(heights[0] > 0.0 && heights[11] < height, "{heights:?}");
}

#[test]
fn bidi_controls_in_names_stay_inside_them() {
    let html = render(
        r#"{"plan": {"name": "\u202eQ3", "weeks": 13, "cutline": 1},
            "skills": ["\u202eWeb", "\u202eA skill with a long name"], "supply": {"\u202eWeb": 1},
            "items": [{"id": 1, "name": "A", "rank": 1, "estimates": {"\u202eWeb": 3, "\u202eA skill with a long name": 1}}]}"#,
    );
    let (rlo, fsi, pdi) = ('\u{202E}', '\u{2068}', '\u{2069}');
    let web = format!("{fsi}{rlo}Web{pdi}");
    for expected in [
        format!(">{fsi}{rlo}Q3{pdi}: running demand against supply per skill</title>"),
        format!("<title>{web} supply: 1 weeks</title>"),
        format!("<title>{web} running demand</title>"),
        format!("<title>{web}: supply 1 weeks</title>"),
        format!(r#"text-anchor="start">{web}</text>"#),
        format!(r#"<text x="600" y="40">{web}</text>"#),
        // A shortened name keeps its `…` outside the isolation.
        format!(">{fsi}{rlo}A skill with{pdi}…</text>"),
        format!("<figcaption><bdi>{rlo}Q3</bdi>: running demand"),
        format!(
            "; short at the cutline: <bdi>{rlo}Web</bdi> by 2, \
             <bdi>{rlo}A skill with a long name</bdi> by 1</figcaption>"
        ),
    ] {
        assert!(html.contains(&expected), "{expected} not in {html}");
    }
}
