//! Tests of the staff tables, run natively with `cargo test`.

use std::collections::HashSet;

use planhost_guest::format::Units;
use planhost_guest::model::StaffView;
use planhost_guest::{RenderError, RenderRequest};

use super::render_staff;

/// Four people over four skills for 13 weeks: Ann splits Web and QA, Web
/// is short by 2.5 weeks, BB is demanded but nobody has it, Apps has
/// supply but no demand.
const TEAM: &str = r#"{
  "plan": {"name": "2013Q3", "weeks": 13, "cutline": 4, "feasible_line": 3},
  "skills": ["Native", "Web", "QA", "Apps"],
  "people": [
    {"id": 1, "name": "Ann", "skills": {"Web": 0.5, "QA": 0.5}, "track": "Core"},
    {"id": 2, "name": "Bo", "skills": {"Native": 1}, "track": "Core"},
    {"id": 3, "name": "Cy", "skills": {"Apps": 1}, "track": "Payments"},
    {"id": 4, "name": "Di", "skills": {"Web": 1}}
  ],
  "supply": {"Native": 13, "Web": 19.5, "QA": 6.5, "Apps": 13},
  "demand": {"Native": 9, "Web": 22, "QA": 2, "BB": 3}
}"#;

fn parse(data: &str) -> StaffView {
    RenderRequest::new("staff", data, &[]).data().unwrap()
}

fn render(data: &str) -> String {
    render_in(data, Units::Weeks)
}

fn render_in(data: &str, units: Units) -> String {
    let html = render_staff(&parse(data), units).unwrap();
    assert_well_formed(&html);
    assert_keyed(&html);
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

/// Checks that every row and skill group carries a `data-key` and that no
/// key or id appears twice; returns the keys in document order.
fn assert_keyed(html: &str) -> Vec<String> {
    for tag in html.split('<').filter(|tag| tag.starts_with("tr ") || tag.starts_with("tr>")) {
        assert!(tag.contains("data-key=\""), "row without a key: <{tag}");
    }
    for tag in html.split('<').filter(|tag| tag.starts_with("tbody class=\"skill\"")) {
        assert!(tag.contains("data-key=\""), "group without a key: <{tag}");
    }
    let keys = attribute_values(html, "data-key");
    let mut seen = HashSet::new();
    for key in &keys {
        assert!(seen.insert(key), "data-key {key:?} twice in {html}");
    }
    let ids = attribute_values(html, "id");
    assert_eq!(ids, ["staff-summary", "staff-people"]);
    keys
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

/// The `<tr>` whose `data-key` is `key`, start tag to end tag.
fn row<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html.find(&format!(r#"data-key="{key}""#)).expect(key);
    let start = html[..start].rfind("<tr").unwrap();
    let end = start + html[start..].find("</tr>").unwrap() + "</tr>".len();
    &html[start..end]
}

#[test]
fn golden_one_person() {
    let data = r#"{"plan": {"name": "Q3", "weeks": 13, "cutline": 1}, "skills": ["Web"],
        "people": [{"id": "a", "name": "Ann", "skills": {"Web": 1}}],
        "supply": {"Web": 13}, "demand": {"Web": 15}}"#;
    let expected = [
        r#"<table id="staff-summary" class="staff-summary">"#,
        r#"<caption>Q3: 13 weeks; supply and committed demand in weeks</caption>"#,
        r#"<thead><tr data-key="summary-head"><th scope="col" class="skill">Skill</th>"#,
        r#"<th scope="col" class="supply">Supply</th><th scope="col" class="demand">Demand</th>"#,
        r#"<th scope="col" class="net">Net</th></tr></thead><tbody>"#,
        r#"<tr data-key="net-Web" class="short" title="short of Web by 2 weeks">"#,
        r#"<th scope="row" class="skill">Web</th><td class="supply">13</td>"#,
        r#"<td class="demand">15</td><td class="net">-2</td></tr></tbody></table>"#,
        r#"<table id="staff-people" class="staff-people">"#,
        r#"<caption>People by skill; weeks of the plan&#39;s time</caption>"#,
        r#"<thead><tr data-key="people-head"><th scope="col" class="name">Person</th>"#,
        r#"<th scope="col" class="track">Track</th><th scope="col" class="share">Share</th>"#,
        r#"<th scope="col" class="amount">Weeks</th></tr></thead>"#,
        r#"<tbody class="skill" data-key="skill-Web">"#,
        r#"<tr class="skill" data-key="skill-Web/heading">"#,
        r#"<th scope="rowgroup" colspan="4">Web</th></tr>"#,
        r#"<tr class="person" data-key="skill-Web/person-a"><td class="name">Ann</td>"#,
        r#"<td class="track"></td><td class="share">1</td><td class="amount">13</td></tr>"#,
        r#"<tr class="total" data-key="skill-Web/total"><th scope="row" class="name">Web total</th>"#,
        r#"<td class="track"></td><td class="share">1</td><td class="amount">13</td></tr>"#,
        r#"</tbody></table>"#,
    ]
    .concat();
    assert_eq!(render(data), expected);
}

#[test]
fn team_by_skill() {
    let html = render(TEAM);
    let keys = assert_keyed(&html);
    let expected = [
        "summary-head",
        "net-Native",
        "net-Web",
        "net-QA",
        "net-Apps",
        "net-BB",
        "people-head",
        "skill-Native",
        "skill-Native/heading",
        "skill-Native/person-2",
        "skill-Native/total",
        "skill-Web",
        "skill-Web/heading",
        "skill-Web/person-1",
        "skill-Web/person-4",
        "skill-Web/total",
        "skill-QA",
        "skill-QA/heading",
        "skill-QA/person-1",
        "skill-QA/total",
        "skill-Apps",
        "skill-Apps/heading",
        "skill-Apps/person-3",
        "skill-Apps/total",
        "skill-BB",
        "skill-BB/heading",
        "skill-BB/nobody",
        "skill-BB/total",
    ];
    assert_eq!(keys, expected);

    // Web: 19.5 supply, 22 demand, 2.5 short; BB: nothing to meet 3 weeks.
    assert_eq!(
        row(&html, "net-Web"),
        concat!(
            r#"<tr data-key="net-Web" class="short" title="short of Web by 2.5 weeks">"#,
            r#"<th scope="row" class="skill">Web</th><td class="supply">19.5</td>"#,
            r#"<td class="demand">22</td><td class="net">-2.5</td></tr>"#
        )
    );
    assert!(row(&html, "net-BB").contains(r#"class="short""#));
    assert!(row(&html, "net-BB").contains(r#"<td class="supply">0</td>"#));
    // Native and Apps have staff left over; nothing demanded of Apps.
    assert!(!row(&html, "net-Native").contains("short"));
    assert!(row(&html, "net-Native").contains(r#"<td class="net">4</td>"#));
    assert!(row(&html, "net-Apps").contains(r#"<td class="demand">0</td><td class="net">13</td>"#));
    assert_eq!(html.matches(r#"class="short""#).count(), 2);

    // Ann is under Web and under QA with half her time: 6.5 weeks each.
    let ann = concat!(
        r#"<td class="name">Ann</td><td class="track">Core</td>"#,
        r#"<td class="share">0.5</td><td class="amount">6.5</td>"#
    );
    assert!(row(&html, "skill-Web/person-1").contains(ann));
    assert!(row(&html, "skill-QA/person-1").contains(ann));
    // Web total: Ann's half and Di's whole, 19.5 weeks.
    assert!(
        row(&html, "skill-Web/total")
            .contains(r#"<td class="share">1.5</td><td class="amount">19.5</td>"#)
    );
    assert!(row(&html, "skill-BB/nobody").contains("Nobody has this skill"));
}

#[test]
fn supply_from_people_when_not_computed() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 10, "cutline": 0},
            "people": [{"id": 1, "name": "A", "skills": {"Web": 0.5, "QA": 0.5}},
                       {"id": 2, "name": "B", "skills": {"Web": 1}}],
            "supply": [], "demand": {"Web": 16}}"#,
    );
    assert!(row(&html, "net-Web").contains(
        r#"<td class="supply">15</td><td class="demand">16</td><td class="net">-1</td>"#
    ));
    assert!(row(&html, "net-QA").contains(r#"<td class="supply">5</td>"#));
}

#[test]
fn float_noise_is_not_short() {
    // 0.1 + 0.2 shares of 10 weeks against 3 weeks of demand.
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 10, "cutline": 0},
            "people": [{"id": 1, "name": "A", "skills": {"QA": 0.1}},
                       {"id": 2, "name": "B", "skills": {"QA": 0.2}}],
            "demand": {"QA": 3}}"#,
    );
    assert!(!html.contains("short"), "{html}");
}

#[test]
fn plan_data_cannot_inject_markup() {
    let hostile = r#"<script>alert(1)</script>"#;
    let quoted = r#"x\" onmouseover=\"alert(1)"#;
    let data = format!(
        r#"{{"plan": {{"name": "{hostile}", "weeks": 13, "cutline": 1}},
            "skills": ["{quoted}"],
            "people": [{{"id": "{quoted}", "name": "{hostile}", "skills": {{"{quoted}": 1}},
                        "track": "{hostile}"}}],
            "supply": {{"{quoted}": 1}}, "demand": {{"{quoted}": 2}}}}"#
    );
    let html = render(&data);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains(r#"" onmouseover"#), "{html}");
    assert!(html.contains(r#"data-key="net-x&quot; onmouseover=&quot;alert(1)""#), "{html}");
    assert!(html.contains(r#"title="short of x&quot; onmouseover=&quot;alert(1) by 1 weeks""#));
    assert!(html.contains(r#"<td class="name">&lt;script&gt;alert(1)&lt;/script&gt;</td>"#));
}

#[test]
fn duplicate_people_keep_keys_unique() {
    let keys = assert_keyed(&render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0},
            "people": [{"id": 1, "name": "A", "skills": {"Web": 1}},
                       {"id": 1, "name": "A again", "skills": {"Web": 1}}]}"#,
    ));
    assert!(keys.contains(&"skill-Web/person-1~2".to_owned()), "{keys:?}");
}

#[test]
fn people_without_skills() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0},
            "people": [{"id": 9, "name": "New hire", "skills": []}]}"#,
    );
    assert!(row(&html, "no-skill/person-9").contains("New hire"), "{html}");
    assert!(html.contains(r#"<tr class="empty" data-key="summary-empty">"#), "{html}");
}

#[test]
fn empty_team() {
    let html = render(r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#);
    assert!(html.contains(r#"<td colspan="4">No skills in this plan</td>"#), "{html}");
    assert!(html.contains(r#"<td colspan="4">No people in this plan</td>"#), "{html}");
}

#[test]
fn lenient_lua_json() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13.0, "cutline": 0.0, "feasible_line": null},
            "skills": ["Web"],
            "people": [{"id": 5.0, "name": "A", "skills": {"Web": 1.0}, "track": null}],
            "supply": [], "demand": []}"#,
    );
    assert!(row(&html, "net-Web").contains(r#"<td class="supply">13</td>"#), "{html}");
    assert!(html.contains(r#"data-key="skill-Web/person-5""#), "{html}");
}

#[test]
fn people_units() {
    let html = render_in(TEAM, Units::People);
    assert!(html.contains("supply and committed demand in people"));
    assert!(html.contains(r#"<th scope="col" class="amount">People</th>"#));
    // Web: 1.5 people against 22 / 13 = 1.69 people, 0.19 short.
    assert!(row(&html, "net-Web").contains(concat!(
        r#"title="short of Web by 0.19 people">"#,
        r#"<th scope="row" class="skill">Web</th><td class="supply">1.5</td>"#,
        r#"<td class="demand">1.69</td><td class="net">-0.19</td>"#
    )));
    assert!(row(&html, "skill-QA/person-1").contains(r#"<td class="amount">0.5</td>"#));

    let mut view = parse(TEAM);
    view.plan.weeks = 0;
    assert!(matches!(render_staff(&view, Units::People), Err(RenderError::InvalidData(_))));
}

#[test]
fn people_units_show_each_quantity_once() {
    // In people a person's amount is their share: one column, not two
    // showing the same numbers, and a caption that reads as a sentence.
    let html = render_in(TEAM, Units::People);
    let people = &html[html.find(r#"<table id="staff-people""#).unwrap()..];
    assert!(
        people.contains(concat!(
            r#"<caption>People by skill; time in people (1 = full time)</caption>"#,
            r#"<thead><tr data-key="people-head"><th scope="col" class="name">Person</th>"#,
            r#"<th scope="col" class="track">Track</th><th scope="col" class="amount">People</th>"#,
            r#"</tr></thead>"#
        )),
        "{html}"
    );
    assert!(!people.contains("share") && !people.contains("of the plan"), "{html}");
    assert!(row(&html, "skill-QA/person-1").ends_with(concat!(
        r#"<td class="name">Ann</td><td class="track">Core</td>"#,
        r#"<td class="amount">0.5</td></tr>"#
    )));
    // Web total: Ann's half and Di's whole, 1.5 people, the summary's supply.
    assert!(row(&html, "skill-Web/total").ends_with(concat!(
        r#"<th scope="row" class="name">Web total</th><td class="track"></td>"#,
        r#"<td class="amount">1.5</td></tr>"#
    )));
    assert!(row(&html, "net-Web").contains(r#"<td class="supply">1.5</td>"#));
    // Full-width rows span the three columns.
    assert!(row(&html, "skill-BB/heading").contains(r#"colspan="3""#), "{html}");
    assert!(row(&html, "skill-BB/nobody").contains(r#"colspan="3""#), "{html}");
    let empty = render_in(r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#, Units::People);
    assert!(empty.contains(r#"<td colspan="3">No people in this plan</td>"#), "{empty}");

    // In weeks both stay: the share of a person's time and their weeks.
    let html = render(TEAM);
    assert!(
        row(&html, "skill-QA/person-1")
            .contains(r#"<td class="share">0.5</td><td class="amount">6.5</td>"#)
    );
    assert!(html.contains("<caption>People by skill; weeks of the plan&#39;s time</caption>"));
}

#[test]
fn bidi_controls_in_names_stay_inside_them() {
    let html = render(
        r#"{"plan": {"name": "\u202eQ3", "weeks": 13, "cutline": 1}, "skills": ["\u202eWeb"],
            "people": [{"id": "a", "name": "\u202eAnn", "skills": {"\u202eWeb": 1}}],
            "supply": {"\u202eWeb": 13}, "demand": {"\u202eWeb": 15}}"#,
    );
    let (rlo, fsi, pdi) = ('\u{202E}', '\u{2068}', '\u{2069}');
    assert!(
        html.contains(&format!(
            "<caption><bdi>{rlo}Q3</bdi>: 13 weeks; supply and committed demand in weeks</caption>"
        )),
        "{html}"
    );
    assert!(html.contains(&format!(r#" title="short of {fsi}{rlo}Web{pdi} by 2 weeks">"#)));
    assert!(html.contains(&format!(r#"class="name"><bdi>{rlo}Web</bdi> total</th>"#)), "{html}");
    // Cells holding only a name are paragraphs of their own.
    assert!(html.contains(&format!(r#"<td class="name">{rlo}Ann</td>"#)), "{html}");
}
