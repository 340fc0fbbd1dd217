//! Tests of the tracks table, run natively with `cargo test`.

use std::collections::HashSet;

use planhost_guest::format::Units;
use planhost_guest::model::TracksView;
use planhost_guest::{RenderError, RenderRequest};

use super::render_tracks;

/// Three tracks over three skills, cutline at rank 4: Core has triage 1, 2
/// and untriaged work (given out of order) and one item below the cutline;
/// Payments lists a skill the view does not; untriaged work without a track
/// is gathered in `(none)`.
const PLAN: &str = r#"{
  "plan": {"name": "2013Q3", "weeks": 13, "cutline": 4, "feasible_line": 3},
  "skills": ["Native", "Web", "QA"],
  "tracks": [
    {"name": "Core",
     "demand": {"Native": 9, "Web": 4, "QA": 1},
     "triage": [
       {"triage": 2, "demand": {"QA": 1}, "count": 1},
       {"demand": {"Web": 2}, "count": 1},
       {"triage": 1, "demand": {"Native": 9, "Web": 2}, "count": 1}
     ],
     "items": [
       {"id": 5, "name": "Offline mode", "rank": 5, "estimates": {"Native": 13}, "triage": 1.5},
       {"id": 1, "name": "Login", "rank": 1, "estimates": {"Native": 9, "Web": 2},
        "track": "Core", "triage": 1},
       {"id": 3, "name": "Audit log", "rank": 3, "estimates": {"Web": 2}, "track": "Core"},
       {"id": 4, "name": "Smoke tests", "rank": 4, "estimates": {"QA": 1}, "triage": 2}
     ]},
    {"name": "Payments",
     "demand": {"Web": 3, "BB": 2},
     "triage": [{"triage": 1.5, "demand": {"Web": 3, "BB": 2}, "count": 1}],
     "items": [{"id": "2", "name": "Card vault", "rank": 2, "estimates": {"Web": 3, "BB": 2},
                "triage": 1.5}]},
    {"name": "(none)",
     "demand": [],
     "triage": [],
     "items": [{"id": "6", "name": "Dark theme", "rank": 6, "estimates": {"Web": 1}}]}
  ]
}"#;

fn parse(data: &str) -> TracksView {
    RenderRequest::new("tracks", data, &[]).data().unwrap()
}

fn render(data: &str) -> String {
    let html = render_tracks(&parse(data), Units::Weeks).unwrap();
    assert_well_formed(&html);
    assert_keyed(&html);
    html
}

/// Checks that every start tag but a void one is closed in order, and that
/// no `<` or `>` appears outside a tag.
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

/// Checks that every row and track carries a `data-key` and that no key
/// or id appears twice; returns the keys in document order.
fn assert_keyed(html: &str) -> Vec<String> {
    for tag in html.split('<').filter(|tag| tag.starts_with("tr ") || tag.starts_with("tr>")) {
        assert!(tag.contains("data-key=\""), "row without a key: <{tag}");
    }
    for tag in html.split('<').filter(|tag| tag.starts_with("tbody class=\"track\"")) {
        assert!(tag.contains("data-key=\""), "track without a key: <{tag}");
    }
    let keys = attribute_values(html, "data-key");
    let mut seen = HashSet::new();
    for key in &keys {
        assert!(seen.insert(key), "data-key {key:?} twice in {html}");
    }
    let ids = attribute_values(html, "id");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "duplicate id in {html}");
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

#[test]
fn golden_small_plan() {
    let data = r#"{
      "plan": {"name": "Q3", "weeks": 13, "cutline": 1},
      "skills": ["Native", "Web"],
      "tracks": [{"name": "Core", "demand": {"Native": 6},
                  "triage": [{"triage": 1, "demand": {"Native": 6}, "count": 1}],
                  "items": [{"id": "1", "name": "Login", "rank": 1, "estimates": {"Native": 6}},
                            {"id": "2", "name": "Sync", "rank": 2, "estimates": {"Web": 4}}]}]
    }"#;
    let expected = [
        r#"<table id="tracks-table" class="tracks">"#,
        r#"<caption>Q3: 13 weeks; committed demand per track in weeks</caption>"#,
        r#"<thead><tr data-key="head">"#,
        r#"<th scope="col" class="rank">Rank</th><th scope="col" class="name">Track / item</th>"#,
        r#"<th scope="col" class="demand">Native</th><th scope="col" class="demand">Web</th>"#,
        r#"<th scope="col" class="committed" title="the number of committed work items">"#,
        r#"Committed items</th></tr></thead>"#,
        r#"<tbody class="track" data-key="track-Core">"#,
        r#"<tr class="track" data-key="track-Core/demand"><td class="rank"></td>"#,
        r#"<th scope="rowgroup" class="name">Core</th>"#,
        r#"<td class="demand">6</td><td class="demand"></td><td class="committed">1</td></tr>"#,
        r#"<tr class="triage" data-key="track-Core/triage-1"><td class="rank"></td>"#,
        r#"<th scope="row" class="name">Triage 1</th>"#,
        r#"<td class="demand">6</td><td class="demand"></td><td class="committed">1</td></tr>"#,
        r#"<tr class="item" data-key="track-Core/item-1"><td class="rank">1</td>"#,
        r#"<td class="name"><b>#1</b> Login</td>"#,
        r#"<td class="demand">6</td><td class="demand"></td><td class="committed"></td></tr>"#,
        r#"<tr class="item below-cutline" data-key="track-Core/item-2""#,
        r#" title="below the cutline: not committed"><td class="rank">2</td>"#,
        r#"<td class="name"><b>#2</b> Sync</td><td class="demand"></td><td class="demand">4</td>"#,
        r#"<td class="committed">not committed</td></tr>"#,
        r#"</tbody>"#,
        r#"<tfoot><tr class="total" data-key="total"><td class="rank"></td>"#,
        r#"<th scope="row" class="name">All tracks</th>"#,
        r#"<td class="demand">6</td><td class="demand"></td><td class="committed">1</td></tr>"#,
        r#"</tfoot></table>"#,
    ]
    .concat();
    assert_eq!(render(data), expected);
}

#[test]
fn tracks_with_triage_levels_and_items() {
    let html = render(PLAN);
    let keys = assert_keyed(&html);
    let expected = [
        "head",
        "track-Core",
        "track-Core/demand",
        "track-Core/triage-1",
        "track-Core/triage-2",
        "track-Core/triage-none",
        "track-Core/item-1",
        "track-Core/item-3",
        "track-Core/item-4",
        "track-Core/item-5",
        "track-Payments",
        "track-Payments/demand",
        "track-Payments/triage-1.5",
        "track-Payments/item-2",
        "track-(none)",
        "track-(none)/demand",
        "track-(none)/item-6",
        "total",
    ];
    assert_eq!(keys, expected, "tracks in view order, triage 1, 2, untriaged, items by rank");

    // One column per skill in the view's order, then BB, which only Payments names.
    let head = &html[..html.find("</thead>").unwrap()];
    let columns = texts(head, "th");
    assert_eq!(columns, ["Rank", "Track / item", "Native", "Web", "QA", "BB", "Committed items"]);

    // Core's committed demand: Native 9, Web 4, QA 1; 3 committed items.
    assert!(html.contains(concat!(
        r#"<th scope="rowgroup" class="name">Core</th><td class="demand">9</td>"#,
        r#"<td class="demand">4</td><td class="demand">1</td><td class="demand"></td>"#,
        r#"<td class="committed">3</td>"#,
    )));
    assert!(html.contains(r#"<th scope="row" class="name">Untriaged</th>"#));
    assert!(html.contains(r#"<th scope="row" class="name">Triage 1.5</th>"#));
    // Below the cutline (rank 4): Offline mode and Dark theme, nothing else.
    assert_eq!(html.matches("below-cutline").count(), 2, "{html}");
    assert_eq!(html.matches(">not committed<").count(), 2, "{html}");
    assert!(html.contains(r#"<tr class="item below-cutline" data-key="track-Core/item-5""#));
    // A track without triage levels counts its committed items itself: none.
    assert!(html.contains(r#"<th scope="rowgroup" class="name">(none)</th>"#));
    // All tracks: Native 9, Web 7, QA 1, BB 2 over 4 committed items.
    assert!(html.contains(concat!(
        r#"<th scope="row" class="name">All tracks</th><td class="demand">9</td>"#,
        r#"<td class="demand">7</td><td class="demand">1</td><td class="demand">2</td>"#,
        r#"<td class="committed">4</td>"#,
    )));
}

/// The texts of the `tag` elements in `html`.
fn texts(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    html.match_indices(&open)
        .filter(|(at, _)| matches!(html.as_bytes()[at + open.len()], b' ' | b'>'))
        .map(|(at, _)| {
            let rest = &html[at..];
            let start = rest.find('>').unwrap() + 1;
            rest[start..rest.find(&close).unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn plan_data_cannot_inject_markup() {
    let hostile = r#"<script>alert(1)</script>"#;
    let quoted = r#"x\" onmouseover=\"alert(1)"#;
    let data = format!(
        r#"{{"plan": {{"name": "{hostile}", "weeks": 13, "cutline": 1}},
            "skills": ["{hostile}"],
            "tracks": [{{"name": "{quoted}", "demand": {{"{hostile}": 1}},
                        "triage": [{{"triage": 1, "demand": {{"{hostile}": 1}}, "count": 1}}],
                        "items": [{{"id": "{quoted}", "name": "{hostile}", "rank": 1,
                                   "estimates": {{"{hostile}": 1}}}}]}}]}}"#
    );
    let html = render(&data);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains(r#"" onmouseover"#), "{html}");
    assert!(html.contains(r#"data-key="track-x&quot; onmouseover=&quot;alert(1)""#), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(html.contains(r#"<b>#x&quot; onmouseover=&quot;alert(1)</b> &lt;script&gt;"#));
}

#[test]
fn unreadable_estimates_are_shown_as_typed() {
    // Native:XL counts 0 weeks: the track's demand (the plan's) stays 2
    // Web weeks, and the item's Native cell shows what was typed.
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 1},
            "skills": ["Native", "Web"],
            "tracks": [{"name": "Core", "demand": {"Native": 0, "Web": 2},
                        "items": [{"id": 14, "name": "Tap", "rank": 1,
                                   "estimates": {"Native": 0, "Web": 2},
                                   "unparsed": ["Native:XL", "Nati<ve:S", "oops"]},
                                  {"id": 9, "name": "Later", "rank": 2,
                                   "unparsed": ["Web:?", "oops", "Web:XL"]}]}]}"#,
    );
    assert!(
        html.contains(concat!(
            r#"<td class="name"><b>#14</b> Tap</td>"#,
            r#"<td class="demand unparsed" title="cannot read estimate Native:XL, counted as 0">"#,
            r#"XL?</td><td class="demand">2</td>"#,
            // Those naming no column are listed in the last cell, escaped.
            r#"<td class="committed">cannot read estimate Nati&lt;ve:S; "#,
            r#"cannot read estimate oops</td></tr>"#,
        )),
        "{html}"
    );
    assert!(
        html.contains(concat!(
            r#"<td class="demand"></td><td class="demand unparsed" "#,
            r#"title="cannot read estimates Web:? and Web:XL, counted as 0">?? + XL?</td>"#,
            r#"<td class="committed">not committed; cannot read estimate oops</td>"#,
        )),
        "{html}"
    );
    // The totals count them as 0, as the view does.
    assert!(
        html.contains(concat!(
            r#"<th scope="row" class="name">All tracks</th><td class="demand"></td>"#,
            r#"<td class="demand">2</td>"#,
        )),
        "{html}"
    );
}

#[test]
fn bidi_controls_in_an_item_stay_inside_it() {
    let (rlo, fsi, pdi) = ('\u{202E}', '\u{2068}', '\u{2069}');
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 1}, "skills": ["Web"],
            "tracks": [{"name": "Core", "items": [
              {"id": "\u202e7", "name": "\u202eLogin", "rank": 1,
               "unparsed": ["Web:X\u202eL", "\u202eoops"]}]}]}"#,
    );
    // The id comes before the name (a control in the name acts only after
    // it); an id that could reorder the name is isolated.
    let name = format!(r#"<td class="name"><b>#{fsi}{rlo}7{pdi}</b> {rlo}Login</td>"#);
    assert!(html.contains(&name), "{html}");
    assert!(
        html.contains(&format!(
            r#"title="cannot read estimate {fsi}Web:X{rlo}L{pdi}, counted as 0"><bdi>X{rlo}L</bdi>?</td>"#
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<td class="committed">cannot read estimate <bdi>{rlo}oops</bdi></td>"#
        )),
        "{html}"
    );
}

#[test]
fn duplicate_names_keep_keys_unique() {
    let data = r#"{"plan": {"name": "p", "weeks": 13, "cutline": 9},
        "tracks": [
          {"name": "A", "triage": [{"triage": 1, "count": 1}, {"triage": 1, "count": 0}],
           "items": [{"id": 1, "name": "x", "rank": 1}, {"id": 1, "name": "y", "rank": 2}]},
          {"name": "A", "items": [{"id": 1, "name": "z", "rank": 3}]}]}"#;
    let keys = assert_keyed(&render(data));
    assert!(keys.contains(&"track-A~2".to_owned()), "{keys:?}");
    assert!(keys.contains(&"track-A/item-1~2".to_owned()), "{keys:?}");
    assert!(keys.contains(&"track-A~2/item-1".to_owned()), "{keys:?}");
}

#[test]
fn keys_are_stable_across_edits() {
    // Moving an item within its track and changing demand keeps every key.
    let before = assert_keyed(&render(PLAN));
    let edited = PLAN
        .replace(r#""rank": 3, "estimates": {"Web": 2}"#, r#""rank": 3, "estimates": {"Web": 5}"#);
    let after = assert_keyed(&render(&edited));
    assert_eq!(before, after);
}

#[test]
fn empty_plan() {
    let html = render(r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#);
    assert!(html.contains(concat!(
        r#"<tbody><tr class="empty" data-key="empty">"#,
        r#"<td colspan="3">No work in this plan</td></tr></tbody>"#
    )));
    assert!(!html.contains("<tfoot>"));

    // A track with nothing in it still gets its demand row.
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}, "skills": [],
            "tracks": [{"name": "Idle", "demand": [], "triage": [], "items": []}]}"#,
    );
    assert!(html.contains(r#"data-key="track-Idle/demand""#), "{html}");
}

#[test]
fn lenient_lua_json() {
    // Whole numbers as floats, ids as numbers, empty maps as `[]`, nulls.
    let data = r#"{"plan": {"name": "p", "weeks": 13.0, "cutline": 2.0, "feasible_line": null},
        "skills": ["Web"],
        "tracks": [{"name": "T", "demand": {"Web": 3.0},
                    "triage": [{"triage": null, "demand": [], "count": 2.0}],
                    "items": [{"id": 7.0, "name": "A", "rank": 1.0, "estimates": [],
                               "track": null, "triage": null, "running": []}]}]}"#;
    let html = render(data);
    assert!(html.contains(r#"data-key="track-T/item-7""#), "{html}");
    assert!(html.contains(r#"data-key="track-T/triage-none""#), "{html}");
    assert!(html.contains(r#"<td class="demand">3</td><td class="committed">2</td>"#), "{html}");
}

#[test]
fn people_units() {
    let html = render_tracks(&parse(PLAN), Units::People).unwrap();
    assert_well_formed(&html);
    assert!(html.contains("committed demand per track in people"));
    // Core: 9 Native weeks over 13 weeks.
    assert!(
        html.contains(r#"<th scope="rowgroup" class="name">Core</th><td class="demand">0.69</td>"#)
    );

    let mut view = parse(PLAN);
    view.plan.weeks = 0;
    assert!(matches!(render_tracks(&view, Units::People), Err(RenderError::InvalidData(_))));
}

#[test]
fn the_committed_column_is_a_count_of_items_in_both_units() {
    // Among columns of weeks or people, Core's 3 must not read as 3 of them.
    let head = concat!(
        r#"<th scope="col" class="committed" title="the number of committed work items">"#,
        r#"Committed items</th></tr></thead>"#,
    );
    for units in [Units::Weeks, Units::People] {
        let html = render_tracks(&parse(PLAN), units).unwrap();
        assert!(html.contains(head), "{units:?}: {html}");
        assert!(html.contains(r#"<td class="committed">3</td>"#), "{units:?}: {html}");
    }
}

#[test]
fn bidi_controls_in_the_plan_name_stay_inside_it() {
    let html = render(
        r#"{"plan": {"name": "\u202eQ3", "weeks": 13, "cutline": 1},
            "tracks": [{"name": "\u202eCore", "items": []}]}"#,
    );
    let caption = "<caption><bdi>\u{202E}Q3</bdi>: 13 weeks; committed demand per track in weeks";
    assert!(html.contains(caption), "{html}");
    // The track's heading cell holds only its name: a paragraph of its own.
    assert!(html.contains("<th scope=\"rowgroup\" class=\"name\">\u{202E}Core</th>"), "{html}");
}
