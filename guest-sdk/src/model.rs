//! The JSON shapes of the plan's views, as the plan's Lua view functions
//! return them (field names are the JSON keys). Parse one with
//! [`crate::RenderRequest::data`].
//!
//! The shapes are lenient where Lua's JSON is: a whole number may arrive as
//! `13` or `13.0`, an id as a string or a number, and an empty Lua table is
//! `[]` even where a map is expected. Optional fields may be absent (a Lua
//! `nil`) or `null`. Unknown fields are ignored, so a view may carry more
//! than a renderer reads.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The `work` view: the ranked work list of one plan. The `chart` view has
/// the same shape, with `supply` filled and each item's `running` demand.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkView {
    /// The plan the list belongs to.
    pub plan: PlanInfo,
    /// The team's skills in display order (e.g. `["Native", "Web", "QA"]`);
    /// a renderer shows one estimate column per skill. Absent: none.
    #[serde(default)]
    pub skills: Vec<String>,
    /// The team's supply in weeks per skill (sum over people of skill
    /// fraction x plan weeks). Absent: not computed.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub supply: BTreeMap<String, f64>,
    /// The work items in rank order. Absent: none.
    #[serde(default)]
    pub items: Vec<WorkItem>,
}

/// The `chart` view: the `work` view's shape, read for `supply` and each
/// item's `running` demand.
pub type ChartView = WorkView;

/// A plan's headline facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    /// The plan's name, e.g. `"2013Q3"`.
    pub name: String,
    /// The plan's length in weeks (a quarter is 13); divides weeks into
    /// people.
    #[serde(deserialize_with = "whole")]
    pub weeks: u32,
    /// Rank of the last committed item: items ranked 1..=cutline are what the
    /// team commits to; 0 commits nothing.
    #[serde(deserialize_with = "whole")]
    pub cutline: u32,
    /// Rank of the last item the team can staff (walking the ranking
    /// top-down, the item before the first one whose running demand exceeds
    /// supply in some skill). Absent: not computed.
    #[serde(default, deserialize_with = "optional_whole")]
    pub feasible_line: Option<u32>,
}

/// One work item of the ranked list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkItem {
    /// The item's id; unique in the plan, stable across edits (a JSON
    /// number is accepted and written in decimal).
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// The item's name, as typed by the plan's author (not HTML).
    pub name: String,
    /// Position in the ranking, from 1.
    #[serde(deserialize_with = "whole")]
    pub rank: u32,
    /// Estimated weeks per skill (T-shirt sizes already converted: `2L` is
    /// 6). Skills without an estimate are absent. Absent: none.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub estimates: BTreeMap<String, f64>,
    /// The track (product area) the item belongs to, if tagged.
    #[serde(default)]
    pub track: Option<String>,
    /// Merged triage: 1 is most important, then 1.5, 2, ... Absent: not
    /// triaged.
    #[serde(default)]
    pub triage: Option<f64>,
    /// The skills whose running demand exceeds supply at this item, and by
    /// how much; filled for items at or above the cutline and below the
    /// feasible line. Absent: none.
    #[serde(default)]
    pub short: Vec<ShortSkill>,
    /// Running demand: weeks per skill needed by this item and every item
    /// ranked above it. Absent: not computed.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub running: BTreeMap<String, f64>,
    /// Estimates the plan could not read, as typed (`Native:XL`); each
    /// counts 0 weeks, and a renderer shows them so that the team sees
    /// it. Absent: none.
    #[serde(default)]
    pub unparsed: Vec<String>,
}

impl WorkItem {
    /// The estimates the plan could not read that name `skill`
    /// (`Native:XL` for `Native`), each with its size as typed (`XL`), in
    /// the item's order.
    pub fn unparsed_for<'a>(
        &'a self,
        skill: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.unparsed.iter().filter_map(move |text| {
            let (named, size) = text.split_once(':')?;
            (named.trim() == skill).then_some((text.as_str(), size.trim()))
        })
    }

    /// The estimates the plan could not read that name none of `skills`
    /// (`oops`, or `Data:XL` where no column is Data's), as typed.
    pub fn unparsed_elsewhere<'a>(
        &'a self,
        skills: &'a [&'a str],
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.unparsed.iter().map(String::as_str).filter(move |text| {
            !text.split_once(':').is_some_and(|(named, _)| skills.contains(&named.trim()))
        })
    }
}

/// The `tracks` view: work grouped by track, with demand per skill per
/// track and per triage level within a track.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TracksView {
    /// The plan the tracks belong to.
    pub plan: PlanInfo,
    /// The team's skills in display order. Absent: none.
    #[serde(default)]
    pub skills: Vec<String>,
    /// The tracks in display order; work without a track is gathered in a
    /// track the plan names (e.g. `"(none)"`). Absent: none.
    #[serde(default)]
    pub tracks: Vec<Track>,
}

/// One track of the `tracks` view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Track {
    /// The track's name, e.g. `"Payments"`.
    pub name: String,
    /// Weeks per skill needed by the track's committed items (ranked at or
    /// above the cutline). Absent: none.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub demand: BTreeMap<String, f64>,
    /// The same demand split by triage level, most important first.
    /// Absent: none.
    #[serde(default)]
    pub triage: Vec<TriageGroup>,
    /// The track's work items in rank order (all of them, committed or
    /// not: compare `rank` with the plan's cutline). Absent: none.
    #[serde(default)]
    pub items: Vec<WorkItem>,
}

/// The committed demand of one triage level within a track.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriageGroup {
    /// The triage level (1, 1.5, 2, ...); absent for untriaged work.
    #[serde(default)]
    pub triage: Option<f64>,
    /// Weeks per skill. Absent: none.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub demand: BTreeMap<String, f64>,
    /// How many committed items the level holds.
    #[serde(deserialize_with = "whole")]
    pub count: u32,
}

/// The `staff` view: people and their skills, supply against committed
/// demand per skill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffView {
    /// The plan the team staffs.
    pub plan: PlanInfo,
    /// The team's skills in display order. Absent: none.
    #[serde(default)]
    pub skills: Vec<String>,
    /// The people on the team. Absent: none.
    #[serde(default)]
    pub people: Vec<Person>,
    /// Supply in weeks per skill (sum of fraction x plan weeks). Absent: none.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub supply: BTreeMap<String, f64>,
    /// Weeks per skill needed by the committed items (ranked at or above the
    /// cutline). Net left per skill is supply minus demand. Absent: none.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub demand: BTreeMap<String, f64>,
}

/// One person of the `staff` view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// The person's id; unique in the plan (a JSON number is accepted).
    #[serde(deserialize_with = "id")]
    pub id: String,
    /// The person's name (not HTML).
    pub name: String,
    /// Fraction of the person's time per skill; sums to about 1.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub skills: BTreeMap<String, f64>,
    /// The track the person is assigned to, if tagged.
    #[serde(default)]
    pub track: Option<String>,
}

/// A skill an item is short of, and by how much.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShortSkill {
    /// The skill, e.g. `"Web"`.
    pub skill: String,
    /// Weeks by which the skill's running demand exceeds its supply here.
    pub weeks: f64,
}

/// A `u32` written as a JSON integer or as a float with no fraction.
fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    deserializer.deserialize_any(WholeVisitor)
}

fn optional_whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    deserializer.deserialize_option(OptionalWholeVisitor)
}

/// A string, or a whole number written as its decimal string.
fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(IdVisitor)
}

/// A map, or `[]` (Lua's empty table) as an empty map.
fn map_or_empty_list<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    deserializer.deserialize_any(MapVisitor(std::marker::PhantomData))
}

struct WholeVisitor;

impl Visitor<'_> for WholeVisitor {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number from 0 to 4294967295")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u32, E> {
        let whole = v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v);
        if whole { Ok(v as u32) } else { Err(E::invalid_value(de::Unexpected::Float(v), &self)) }
    }
}

struct OptionalWholeVisitor;

impl<'de> Visitor<'de> for OptionalWholeVisitor {
    type Value = Option<u32>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<u32>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<u32>, D::Error> {
        whole(d).map(Some)
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a whole number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        // Only floats that are exact integers (|v| < 2^53) name an id.
        if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
            Ok((v as i64).to_string())
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

struct MapVisitor<V>(std::marker::PhantomData<V>);

impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
    type Value = BTreeMap<String, V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object (or an empty list)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = BTreeMap::new();
        while let Some((key, value)) = access.next_entry()? {
            map.insert(key, value);
        }
        Ok(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        match access.next_element::<de::IgnoredAny>()? {
            None => Ok(BTreeMap::new()),
            Some(_) => Err(de::Error::invalid_type(de::Unexpected::Seq, &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{PlanInfo, ShortSkill, WorkItem, WorkView};
    use crate::{RenderError, RenderRequest};

    fn parse(data: &str) -> Result<WorkView, RenderError> {
        RenderRequest { view: "work".into(), data: data.into(), options: vec![] }.data()
    }

    fn invalid(data: &str) -> String {
        match parse(data) {
            Err(RenderError::InvalidData(text)) => text,
            other => panic!("expected InvalidData, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_full_work_view() {
        let view = parse(
            r#"{
              "plan": {"name": "2013Q3", "weeks": 13, "cutline": 2, "feasible_line": 1},
              "skills": ["Native", "Web"],
              "items": [
                {"id": "1", "name": "Login", "rank": 1, "estimates": {"Native": 6, "Web": 2},
                 "track": "Core", "triage": 1},
                {"id": 2, "name": "Sync", "rank": 2.0, "estimates": {"Web": 3}, "triage": 1.5,
                 "short": [{"skill": "Web", "weeks": 3}], "tags": {"ignored": true}}
              ]
            }"#,
        )
        .unwrap();
        assert_eq!(
            view.plan,
            PlanInfo { name: "2013Q3".into(), weeks: 13, cutline: 2, feasible_line: Some(1) }
        );
        assert_eq!(view.skills, ["Native", "Web"]);
        assert_eq!(
            view.items[1],
            WorkItem {
                id: "2".into(),
                name: "Sync".into(),
                rank: 2,
                estimates: BTreeMap::from([("Web".into(), 3.0)]),
                track: None,
                triage: Some(1.5),
                short: vec![ShortSkill { skill: "Web".into(), weeks: 3.0 }],
                running: BTreeMap::new(),
                unparsed: Vec::new(),
            }
        );
    }

    #[test]
    fn optional_fields_and_lua_empty_tables() {
        let view = parse(
            r#"{"plan": {"name": "p", "weeks": 13.0, "cutline": 0, "feasible_line": null},
                "items": [{"id": "a", "name": "A", "rank": 1, "estimates": [], "short": []}]}"#,
        )
        .unwrap();
        assert_eq!(view.plan.weeks, 13);
        assert_eq!(view.plan.feasible_line, None);
        assert!(view.skills.is_empty());
        assert!(view.items[0].estimates.is_empty());
        assert_eq!(view.items[0].track, None);
    }

    #[test]
    fn parses_tracks_and_staff_views() {
        let plan = r#""plan": {"name": "p", "weeks": 13, "cutline": 1}"#;
        let request =
            |view: &str, data: String| RenderRequest { view: view.into(), data, options: vec![] };
        let tracks: super::TracksView = request(
            "tracks",
            format!(
                r#"{{{plan}, "skills": ["Web"], "tracks": [{{"name": "Core",
                  "demand": {{"Web": 4}}, "triage": [{{"triage": 1, "demand": {{"Web": 4}},
                  "count": 1}}, {{"demand": [], "count": 0}}],
                  "items": [{{"id": 7, "name": "A", "rank": 1, "running": {{"Web": 4}}}}]}}]}}"#
            ),
        )
        .data()
        .unwrap();
        assert_eq!(tracks.tracks[0].triage[0].triage, Some(1.0));
        assert_eq!(tracks.tracks[0].triage[1].triage, None);
        assert_eq!(tracks.tracks[0].items[0].running["Web"], 4.0);
        let staff: super::StaffView = request(
            "staff",
            format!(
                r#"{{{plan}, "people": [{{"id": 1, "name": "Ann",
                  "skills": {{"Web": 0.5, "QA": 0.5}}, "track": "Core"}}],
                  "supply": {{"Web": 6.5}}, "demand": []}}"#
            ),
        )
        .data()
        .unwrap();
        assert_eq!(staff.people[0].id, "1");
        assert_eq!(staff.people[0].skills["QA"], 0.5);
        assert!(staff.demand.is_empty());
    }

    #[test]
    fn errors_name_the_field() {
        let plan = r#""plan": {"name": "p", "weeks": 13, "cutline": 1}"#;
        let text = invalid(&format!(r#"{{{plan}, "items": [{{"id": "a", "name": "A"}}]}}"#));
        assert!(text.contains("at items[1]: missing field `rank`"), "{text}");
        let text =
            invalid(&format!(r#"{{{plan}, "items": [{{"id": "a", "name": "A", "rank": 1.5}}]}}"#));
        assert!(text.contains("at items[1].rank: invalid value: floating point `1.5`"), "{text}");
        let text = invalid(&format!(
            r#"{{{plan}, "items": [{{"id": "a", "name": "A", "rank": 1, "estimates": [3]}}]}}"#
        ));
        assert!(text.contains("at items[1].estimates: invalid type: sequence"), "{text}");
        let text = invalid(r#"{"plan": {"name": "p", "weeks": -1, "cutline": 1}}"#);
        assert!(text.contains("at plan.weeks: invalid value: integer `-1`"), "{text}");
    }
}
