//! Tests of the work table, run natively with `cargo test`.

use planhost_guest::model::WorkView;
use planhost_guest::{RenderError, RenderRequest};

use super::{Units, render_work};

/// A small plan: Login and the hostile item fit, Sync is committed but
/// short of Web, Offline is below the cutline and has a skill the view does
/// not list.
const SMALL_PLAN: &str = r#"{
  "plan": {"name": "Q3", "weeks": 13, "cutline": 3, "feasible_line": 2},
  "skills": ["Native", "Web"],
  "items": [
    {"id": "1", "name": "Login", "rank": 1, "estimates": {"Native": 6, "Web": 2},
     "track": "Core", "triage": 1},
    {"id": "4", "name": "Offline", "rank": 4, "estimates": {"QA": 2}, "triage": 2},
    {"id": "2", "name": "<script>alert(1)</script>", "rank": 2, "estimates": {"Web": 1},
     "triage": 1.5},
    {"id": "3", "name": "Sync", "rank": 3, "estimates": {"Native": 3, "Web": 4},
     "track": "Core", "short": [{"skill": "Web", "weeks": 3}]}
  ]
}"#;

fn parse(data: &str) -> WorkView {
    RenderRequest::new("work", data, &[]).data().unwrap()
}

fn render(data: &str) -> String {
    let html = render_work(&parse(data), Units::Weeks).unwrap();
    assert_well_formed(&html);
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
            if name != "br" && name != "col" {
                open.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(!rest.contains('>'), "stray > in {html}");
    assert!(open.is_empty(), "unclosed {open:?} in {html}");
}

#[test]
fn golden_small_plan() {
    let expected = [
        r#"<table id="work-table" class="work">"#,
        r#"<caption>Q3: 13 weeks; estimates in weeks</caption>"#,
        r#"<thead><tr data-key="head">"#,
        r#"<th scope="col" class="rank">Rank</th><th scope="col" class="name">Item</th>"#,
        r#"<th scope="col" class="estimate">Native</th><th scope="col" class="estimate">Web</th>"#,
        r#"<th scope="col" class="estimate">QA</th><th scope="col" class="track">Track</th>"#,
        r#"<th scope="col" class="triage">Triage</th><th scope="col" class="shortfall">Short</th>"#,
        r#"</tr></thead><tbody>"#,
        r#"<tr data-key="item-1"><td>1</td><td><b>#1</b> Login</td>"#,
        r#"<td>6</td><td>2</td><td></td>"#,
        r#"<td>Core</td><td>1</td><td></td></tr>"#,
        r#"<tr data-key="item-2"><td>2</td>"#,
        r#"<td><b>#2</b> &lt;script&gt;alert(1)&lt;/script&gt;</td>"#,
        r#"<td></td><td>1</td><td></td>"#,
        r#"<td></td><td>1.5</td><td></td></tr>"#,
        r#"<tr class="feasible-line" data-key="feasible-line">"#,
        r#"<td colspan="8">feasible line: items above can be staffed</td></tr>"#,
        r#"<tr data-key="item-3" class="short" title="short: Web 3w">"#,
        r#"<td>3</td><td><b>#3</b> Sync</td>"#,
        r#"<td>3</td><td>4</td><td></td>"#,
        r#"<td>Core</td><td></td>"#,
        r#"<td>short: Web 3w</td></tr>"#,
        r#"<tr class="cutline" data-key="cutline">"#,
        r#"<td colspan="8">cutline: items above are committed</td></tr>"#,
        r#"<tr data-key="item-4" class="below-cutline"><td>4</td>"#,
        r#"<td><b>#4</b> Offline</td>"#,
        r#"<td></td><td></td><td>2</td>"#,
        r#"<td></td><td>2</td><td></td></tr>"#,
        r#"</tbody></table>"#,
    ]
    .concat();
    assert_eq!(render(SMALL_PLAN), expected);
}

#[test]
fn plan_data_cannot_inject_markup() {
    let hostile = r#"<script>alert(1)</script>"#;
    let quoted = r#"x\" onmouseover=\"alert(1)"#;
    let data = format!(
        r#"{{"plan": {{"name": "{hostile}", "weeks": 13, "cutline": 1, "feasible_line": 0}},
            "skills": ["{hostile}"],
            "items": [{{"id": "{quoted}", "name": "{hostile}", "rank": 1,
                        "estimates": {{"{hostile}": 1}}, "track": "{hostile}",
                        "short": [{{"skill": "{hostile}", "weeks": 1}}]}}]}}"#
    );
    let html = render(&data);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains(r#"" onmouseover"#), "{html}");
    assert!(html.contains(r#"data-key="item-x&quot; onmouseover=&quot;alert(1)""#), "{html}");
    assert!(html.contains(r#"<td><b>#x&quot; onmouseover=&quot;alert(1)</b> &lt;script&gt;"#));
    assert!(html.contains(r#"title="short: &lt;script&gt;alert(1)&lt;/script&gt; 1w""#));
}

#[test]
fn lines_at_the_edges() {
    let items =
        r#""items": [{"id": "a", "name": "A", "rank": 1}, {"id": "b", "name": "B", "rank": 2}]"#;
    // Nothing committed: the cutline comes before every item, which are all below it.
    let html =
        render(&format!(r#"{{"plan": {{"name": "p", "weeks": 13, "cutline": 0}}, {items}}}"#));
    let cutline = html.find(r#"data-key="cutline""#).unwrap();
    assert!(cutline < html.find(r#"data-key="item-a""#).unwrap());
    assert!(html.contains(r#"<tr data-key="item-a" class="below-cutline">"#));
    assert!(!html.contains("feasible-line"), "no feasible line when not computed");

    // Everything committed and feasible: both lines after the last item, cutline first.
    let html = render(&format!(
        r#"{{"plan": {{"name": "p", "weeks": 13, "cutline": 5, "feasible_line": 5}}, {items}}}"#
    ));
    let cutline = html.find(r#"data-key="cutline""#).unwrap();
    let feasible = html.find(r#"data-key="feasible-line""#).unwrap();
    assert!(html.find(r#"data-key="item-b""#).unwrap() < cutline && cutline < feasible);
    assert!(!html.contains("class=\"short\"") && !html.contains("below-cutline"));
}

#[test]
fn short_without_detail() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 1, "feasible_line": 0},
            "items": [{"id": "a", "name": "A", "rank": 1}]}"#,
    );
    assert!(html.contains(r#"<tr data-key="item-a" class="short" title="short of staff">"#));
}

#[test]
fn empty_plan() {
    let html = render(r#"{"plan": {"name": "p", "weeks": 13, "cutline": 0}}"#);
    assert!(html.contains(r#"<td colspan="5">cutline: items above are committed</td>"#));
}

#[test]
fn people_units() {
    let html = render_work(&parse(SMALL_PLAN), Units::People).unwrap();
    assert!(html.contains("estimates in people"));
    // Login: 6 Native weeks over 13 weeks.
    assert!(html.contains(r#"<td>0.46</td>"#), "{html}");
    assert!(html.contains(r#"title="short: Web 0.23p""#), "{html}");

    let mut view = parse(SMALL_PLAN);
    view.plan.weeks = 0;
    assert!(matches!(render_work(&view, Units::People), Err(RenderError::InvalidData(_))));
}

#[test]
fn unreadable_estimates_are_shown_as_typed() {
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 1},
            "skills": ["Native", "Web"],
            "items": [{"id": "a", "name": "A", "rank": 1, "estimates": {"Web": 2},
                       "unparsed": ["Native:XL", "Nati<ve:S", "oops"]}]}"#,
    );
    assert!(
        html.contains(r#"<td class="unparsed" title="cannot read estimate Native:XL, counted as 0">XL?</td><td>2</td>"#),
        "{html}"
    );
    // Those naming no column are listed in the last cell, escaped.
    assert!(
        html.contains("<td>cannot read estimate Nati&lt;ve:S; cannot read estimate oops</td></tr>"),
        "{html}"
    );
}

#[test]
fn a_cell_shows_every_unreadable_estimate_of_its_skill_after_what_was_read() {
    // `Native:M, Native:XL, Web:L, Native:QQ, Web:?`: Native counts 2
    // weeks, Web 3.
    let html = render(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 1},
            "skills": ["Native", "Web"],
            "items": [{"id": "a", "name": "A", "rank": 1, "estimates": {"Native": 2, "Web": 3},
                       "unparsed": ["Native:XL", "Native: QQ", "Web:?"]}]}"#,
    );
    assert!(
        html.contains(concat!(
            r#"<td class="unparsed" title="cannot read estimates Native:XL and Native: QQ, "#,
            r#"counted as 0">2 + XL? + QQ?</td>"#,
            r#"<td class="unparsed" title="cannot read estimate Web:?, counted as 0">3 + ??</td>"#,
        )),
        "{html}"
    );
    // In people: the amount read is converted, what was typed is not.
    let view = parse(
        r#"{"plan": {"name": "p", "weeks": 13, "cutline": 1}, "skills": ["Native"],
            "items": [{"id": "a", "name": "A", "rank": 1, "estimates": {"Native": 2},
                       "unparsed": ["Native:XL"]}]}"#,
    );
    let people = render_work(&view, Units::People).unwrap();
    assert!(people.contains(r#"counted as 0">0.15 + XL?</td>"#), "{people}");
}

#[test]
fn bidi_controls_in_data_stay_inside_their_name() {
    // A right-to-left override in the plan name, a skill, an unreadable
    // estimate and an item name; an Arabic skill name.
    let data = r#"{"plan": {"name": "\u202eQ3", "weeks": 13, "cutline": 1, "feasible_line": 0},
        "skills": ["\u202eWeb"],
        "items": [{"id": "1", "name": "\u202eLogin", "rank": 1,
                   "unparsed": ["\u202eWeb:X\u202eL", "\u202eoops"],
                   "short": [{"skill": "\u202eWeb", "weeks": 3},
                             {"skill": "عربي", "weeks": 1}]}]}"#;
    let html = render(data);
    let (rlo, fsi, pdi) = ('\u{202E}', '\u{2068}', '\u{2069}');
    assert!(html.contains(&format!("<caption><bdi>{rlo}Q3</bdi>: 13 weeks;")), "{html}");
    assert!(
        html.contains(&format!(r#" title="short: {fsi}{rlo}Web{pdi} 3w, {fsi}عربي{pdi} 1w">"#)),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<td class="unparsed" title="cannot read estimate {fsi}{rlo}Web:X{rlo}L{pdi}, counted as 0"><bdi>X{rlo}L</bdi>?</td>"#
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<td>short: <bdi>{rlo}Web</bdi> 3w, <bdi>عربي</bdi> 1w; \
             cannot read estimate <bdi>{rlo}oops</bdi></td></tr>"
        )),
        "{html}"
    );
    // The id comes before the name, which a control in the name cannot
    // move (it acts on what follows it): the name is left as it is.
    assert!(html.contains(&format!("<td><b>#1</b> {rlo}Login</td>")), "{html}");
    // An id that could reorder the name after it is isolated.
    let html = render(&data.replace(r#""id": "1""#, r#""id": "\u202e1""#));
    assert!(html.contains(&format!("<td><b>#{fsi}{rlo}1{pdi}</b> {rlo}Login</td>")), "{html}");
    assert!(html.contains(&format!(r#"<th scope="col" class="estimate">{rlo}Web</th>"#)));
}

#[test]
fn supply_row_under_the_skill_columns() {
    // Native 13 weeks, Web 19.5; nobody has QA, the column an item's
    // estimate adds.
    let data = SMALL_PLAN.replace(
        r#""skills": ["Native", "Web"],"#,
        r#""skills": ["Native", "Web"], "supply": {"Native": 13, "Web": 19.5},"#,
    );
    let html = render(&data);
    let footer = concat!(
        r#"</tbody><tfoot><tr class="supply" data-key="supply">"#,
        r#"<th scope="row" colspan="2" title="the team&#39;s supply per skill, in weeks">"#,
        r#"Supply</th><td class="estimate">13</td><td class="estimate">19.5</td>"#,
        r#"<td class="estimate">0</td><td colspan="3"></td></tr></tfoot></table>"#,
    );
    assert!(html.ends_with(footer), "{html}");
    // Without it the table is as it was.
    assert_eq!(html.replace(&footer["</tbody>".len()..], "</table>"), render(SMALL_PLAN));

    // In people: 19.5 weeks over 13 weeks, as the estimates are written.
    let html = render_work(&parse(&data), Units::People).unwrap();
    assert_well_formed(&html);
    assert!(html.contains(r#"title="the team&#39;s supply per skill, in people">"#), "{html}");
    assert!(
        html.contains(concat!(
            r#"Supply</th><td class="estimate">1</td><td class="estimate">1.5</td>"#,
            r#"<td class="estimate">0</td><td colspan="3"></td></tr></tfoot>"#
        )),
        "{html}"
    );
}
