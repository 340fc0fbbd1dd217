//! Placing the labels at the lines' ends: each as near its line's end as
//! it can be without overlapping another.

/// Heights for labels wanted at `wanted` (pixels, any order), at least
/// `spacing` apart and within `top..=bottom` when they fit there (when
/// they do not, `bottom` gives way: the last ones go below it). Labels
/// keep the order of their wanted heights; equal heights keep the order
/// given.
pub fn spread(wanted: &[f64], spacing: f64, top: f64, bottom: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|&a, &b| wanted[a].total_cmp(&wanted[b]));
    let count = wanted.len();
    let bottom = bottom.max(top + spacing * count.saturating_sub(1) as f64);
    // Down the order: each as high as wanted, but below the one before.
    let mut placed = vec![0.0; count];
    let mut previous = f64::NEG_INFINITY;
    for (rank, &i) in order.iter().enumerate() {
        let y = wanted[i].clamp(top, bottom).max(previous + spacing);
        placed[rank] = y;
        previous = y;
    }
    // Up the order: each above the one after and within the bottom.
    let mut next = f64::INFINITY;
    for rank in (0..count).rev() {
        let room = bottom - spacing * (count - 1 - rank) as f64;
        placed[rank] = placed[rank].min(next - spacing).min(room);
        next = placed[rank];
    }
    let mut heights = vec![0.0; count];
    for (rank, &i) in order.iter().enumerate() {
        heights[i] = placed[rank];
    }
    heights
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn labels_far_apart_stay_where_wanted() {
        assert_eq!(spread(&[100.0, 20.0, 60.0], 10.0, 0.0, 200.0), [100.0, 20.0, 60.0]);
        assert!(spread(&[], 10.0, 0.0, 200.0).is_empty());
    }

    #[test]
    fn labels_close_together_move_apart() {
        // Five lines ending at zero (the bottom): stacked upwards from it.
        assert_eq!(spread(&[200.0; 5], 10.0, 0.0, 200.0), [160.0, 170.0, 180.0, 190.0, 200.0]);
        // Two close in the middle: the lower moves down.
        assert_eq!(spread(&[50.0, 55.0], 10.0, 0.0, 200.0), [50.0, 60.0]);
        // Near the top: pushed down from it.
        assert_eq!(spread(&[-5.0, 0.0, 1.0], 10.0, 0.0, 200.0), [0.0, 10.0, 20.0]);
    }

    #[test]
    fn too_many_labels_run_below_the_bottom() {
        let heights = spread(&[50.0; 30], 10.0, 0.0, 200.0);
        assert_eq!(heights[0], 0.0);
        assert_eq!(heights[29], 290.0);
        assert!(heights.windows(2).all(|w| w[1] - w[0] >= 10.0));
    }
}
