//! The chart's data: running demand per skill down the ranking, and the
//! thinning of a drawn line to what a screen can show.

use planhost_guest::model::WorkItem;

/// Running demand of one skill: `(rank, weeks)` from `(0, 0)` through
/// every item in rank order.
pub type Series = Vec<(f64, f64)>;

/// Running demand per skill, in the order of `skills`, for `items` in rank
/// order.
///
/// Uses each item's `running` demand when any item has one (a skill an
/// item's `running` leaves out keeps its value from the item above);
/// otherwise adds up the estimates itself.
pub fn running_demand(items: &[&WorkItem], skills: &[&str]) -> Vec<Series> {
    let given = items.iter().any(|item| !item.running.is_empty());
    skills
        .iter()
        .map(|skill| {
            let mut series = Vec::with_capacity(items.len() + 1);
            series.push((0.0, 0.0));
            let mut total = 0.0;
            for item in items {
                if given {
                    if let Some(&weeks) = item.running.get(*skill) {
                        total = weeks;
                    }
                } else {
                    total += item.estimates.get(*skill).copied().unwrap_or(0.0);
                }
                series.push((f64::from(item.rank), total));
            }
            series
        })
        .collect()
}

/// Thins a line of pixel points (`x` not decreasing) without changing what
/// it looks like: within each pixel column only the first, lowest,
/// highest and last points stay, and points in the middle of a flat run
/// go. A line over 2,000 items keeps at most a few points per column.
pub fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(points.len().min(4096));
    let mut start = 0;
    while start < points.len() {
        let column = points[start].0.floor();
        let end = start + points[start..].iter().take_while(|p| p.0.floor() == column).count();
        let run = &points[start..end];
        let low = run.iter().enumerate().min_by(|a, b| a.1.1.total_cmp(&b.1.1)).map(|(i, _)| i);
        let high = run.iter().enumerate().max_by(|a, b| a.1.1.total_cmp(&b.1.1)).map(|(i, _)| i);
        let mut picks = vec![0, run.len() - 1];
        picks.extend(low);
        picks.extend(high);
        picks.sort_unstable();
        picks.dedup();
        for i in picks {
            push_unless_flat(&mut kept, run[i]);
        }
        start = end;
    }
    kept
}

/// Appends `point`, first dropping the last point when it sits between its
/// neighbours on one horizontal line, and skipping exact repeats.
fn push_unless_flat(kept: &mut Vec<(f64, f64)>, point: (f64, f64)) {
    if kept.last() == Some(&point) {
        return;
    }
    if let [.., a, b] = kept.as_slice()
        && a.1 == b.1
        && b.1 == point.1
    {
        kept.pop();
    }
    kept.push(point);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use planhost_guest::model::WorkItem;

    use super::{running_demand, thin};

    fn item(rank: u32, estimates: &[(&str, f64)], running: &[(&str, f64)]) -> WorkItem {
        let map = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        WorkItem {
            id: rank.to_string(),
            name: format!("item {rank}"),
            rank,
            estimates: map(estimates),
            running: map(running),
            ..WorkItem::default()
        }
    }

    #[test]
    fn sums_estimates_when_running_is_absent() {
        let items = [item(1, &[("Web", 2.0)], &[]), item(2, &[("Web", 3.0), ("QA", 1.0)], &[])];
        let items: Vec<&WorkItem> = items.iter().collect();
        let series = running_demand(&items, &["Web", "QA", "BB"]);
        assert_eq!(series[0], [(0.0, 0.0), (1.0, 2.0), (2.0, 5.0)]);
        assert_eq!(series[1], [(0.0, 0.0), (1.0, 0.0), (2.0, 1.0)]);
        assert_eq!(series[2], [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)]);
    }

    #[test]
    fn uses_running_when_given() {
        // The running demand wins over the estimates; a missing skill carries on.
        let items = [
            item(1, &[("Web", 2.0)], &[("Web", 4.0)]),
            item(2, &[("Web", 3.0)], &[]),
            item(3, &[], &[("Web", 9.0)]),
        ];
        let items: Vec<&WorkItem> = items.iter().collect();
        let series = running_demand(&items, &["Web"]);
        assert_eq!(series[0], [(0.0, 0.0), (1.0, 4.0), (2.0, 4.0), (3.0, 9.0)]);
    }

    #[test]
    fn thins_flat_runs_and_crowded_columns() {
        let flat: Vec<(f64, f64)> = (0..10).map(|x| (f64::from(x) * 10.0, 5.0)).collect();
        assert_eq!(thin(&flat), [(0.0, 5.0), (90.0, 5.0)]);

        // 1,000 rising points in 10 pixel columns: first and last of each stay.
        let crowded: Vec<(f64, f64)> =
            (0..1000).map(|i| (f64::from(i) / 100.0, f64::from(i))).collect();
        let thinned = thin(&crowded);
        assert_eq!(thinned.len(), 20);
        assert_eq!(thinned.first(), Some(&(0.0, 0.0)));
        assert_eq!(thinned.last(), Some(&(9.99, 999.0)));

        // A dip within a column keeps its lowest point.
        let dip = [(0.1, 5.0), (0.2, 1.0), (0.3, 4.0), (0.4, 6.0), (0.5, 3.0)];
        assert_eq!(thin(&dip), [(0.1, 5.0), (0.2, 1.0), (0.4, 6.0), (0.5, 3.0)]);

        assert!(thin(&[]).is_empty());
        assert_eq!(thin(&[(1.0, 1.0)]), [(1.0, 1.0)]);
    }
}
