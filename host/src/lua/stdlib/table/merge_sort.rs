//! The engine of `table.sort`: a stable binary-insertion and merge sort
//! whose comparisons are asked and answered from outside, so that a Lua
//! comparator can run between them.

use gc_arena::Collect;

/// Runs of this many elements are sorted by binary insertion, then merged.
const RUN: usize = 32;

/// Where a [`MergeSort`] is; each phase but `Done` waits for one comparison.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Inserting `items[next]` into the sorted `items[start..next]`: its
    /// place is in `lo..=hi`, and the next question is against the middle.
    Insert {
        start: usize,
        next: usize,
        lo: usize,
        hi: usize,
    },
    /// Asking whether the runs `items[lo..lo + width]` and the one after
    /// it are already in order (first of the right < last of the left?).
    Check {
        width: usize,
        lo: usize,
    },
    /// Merging `scratch` (a copy of the left run) with the right run
    /// `items[lo + width..hi]`; `left` and `right` are the next candidates.
    Merge {
        width: usize,
        lo: usize,
        hi: usize,
        left: usize,
        right: usize,
    },
    Done,
}

/// A stable sort whose comparisons are asked and answered from outside,
/// so that a Lua comparator can run between them. It makes about
/// `n log2 n - 1.3 n` comparisons (fewer than Lua's quicksort), about `4 n`
/// on sorted input, keeps the values a permutation whatever the answers
/// are, and always ends.
#[derive(Collect)]
#[collect(no_drop)]
pub(super) struct MergeSort<T> {
    items: Vec<T>,
    scratch: Vec<T>,
    #[collect(require_static)]
    phase: Phase,
}

impl<T: Copy> MergeSort<T> {
    pub(super) fn new(items: Vec<T>) -> Self {
        let mut sort = MergeSort { items, scratch: Vec::new(), phase: Phase::Done };
        sort.phase = sort.insert_from(0, 1);
        sort
    }

    /// The sorted values (meaningful once `question` returns `None`).
    pub(super) fn items(&self) -> &[T] {
        &self.items
    }

    /// The pair `(a, b)` for which `a < b` must be answered next, or
    /// `None` when the values are sorted.
    pub(super) fn question(&self) -> Option<(T, T)> {
        match self.phase {
            Phase::Insert { next, lo, hi, .. } => {
                Some((self.items[next], self.items[lo + (hi - lo) / 2]))
            }
            Phase::Check { width, lo } => {
                Some((self.items[lo + width], self.items[lo + width - 1]))
            }
            Phase::Merge { right, left, .. } => Some((self.items[right], self.scratch[left])),
            Phase::Done => None,
        }
    }

    /// Takes the answer to the last question and moves to the next one.
    pub(super) fn answer(&mut self, less: bool) {
        self.phase = match self.phase {
            Phase::Insert { start, next, lo, hi } => self.after_insert(start, next, lo, hi, less),
            Phase::Check { width, lo } if less => self.merge_from(width, lo),
            Phase::Check { width, lo } => self.check_from(width, lo + 2 * width),
            Phase::Merge { width, lo, hi, left, right } => {
                self.after_merge(width, lo, hi, left, right, less)
            }
            Phase::Done => Phase::Done,
        };
    }

    fn after_insert(
        &mut self,
        start: usize,
        next: usize,
        lo: usize,
        hi: usize,
        less: bool,
    ) -> Phase {
        let mid = lo + (hi - lo) / 2;
        // Upper bound: equal elements stay before the inserted one.
        let (lo, hi) = if less { (lo, mid) } else { (mid + 1, hi) };
        if lo < hi {
            return Phase::Insert { start, next, lo, hi };
        }
        self.items[lo..=next].rotate_right(1);
        self.insert_from(start, next + 1)
    }

    /// The next insertion at or after `items[next]` in the run from `start`,
    /// moving on to later runs, then to merging.
    fn insert_from(&self, mut start: usize, mut next: usize) -> Phase {
        let len = self.items.len();
        loop {
            let end = len.min(start + RUN);
            if next < end {
                return Phase::Insert { start, next, lo: start, hi: next };
            }
            if end >= len {
                return self.check_from(RUN, 0);
            }
            start = end;
            next = end + 1;
        }
    }

    /// The next pair of runs of `width` to merge, at or after `lo`.
    fn check_from(&self, mut width: usize, mut lo: usize) -> Phase {
        let len = self.items.len();
        loop {
            if lo + width < len {
                return Phase::Check { width, lo };
            }
            width *= 2;
            if width >= len {
                return Phase::Done;
            }
            lo = 0;
        }
    }

    fn merge_from(&mut self, width: usize, lo: usize) -> Phase {
        let hi = self.items.len().min(lo + 2 * width);
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.items[lo..lo + width]);
        Phase::Merge { width, lo, hi, left: 0, right: lo + width }
    }

    fn after_merge(
        &mut self,
        width: usize,
        lo: usize,
        hi: usize,
        mut left: usize,
        mut right: usize,
        less: bool,
    ) -> Phase {
        // Everything before `out` is merged: `left` from scratch, the rest from the right run.
        let out = left + right - width;
        if less {
            self.items[out] = self.items[right];
            right += 1;
        } else {
            self.items[out] = self.scratch[left];
            left += 1;
        }
        if left == self.scratch.len() {
            // The rest of the right run is already in place.
            return self.check_from(width, lo + 2 * width);
        }
        if right == hi {
            self.items[out + 1..hi].copy_from_slice(&self.scratch[left..]);
            return self.check_from(width, lo + 2 * width);
        }
        Phase::Merge { width, lo, hi, left, right }
    }
}

#[cfg(test)]
mod tests {
    //! The sort engine against std's sort.
    use super::*;

    /// Sorts with a Rust comparison, counting the questions.
    fn run(items: Vec<i64>, mut less: impl FnMut(i64, i64) -> bool) -> (Vec<i64>, usize) {
        let mut sort = MergeSort::new(items);
        let mut asked = 0;
        while let Some((a, b)) = sort.question() {
            asked += 1;
            sort.answer(less(a, b));
        }
        (sort.items().to_vec(), asked)
    }

    /// A small deterministic generator (xorshift).
    fn numbers(len: usize, seed: u64, range: i64) -> Vec<i64> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % range as u64) as i64
            })
            .collect()
    }

    #[test]
    fn sorts_like_std_for_many_sizes() {
        for len in (0..200).chain([255, 256, 257, 1000, 4099]) {
            for range in [3, 1000] {
                let items = numbers(len, len as u64 + 7, range);
                let mut expected = items.clone();
                expected.sort();
                assert_eq!(run(items, |a, b| a < b).0, expected, "len {len}");
            }
        }
    }

    #[test]
    fn is_stable() {
        let items: Vec<i64> =
            numbers(500, 3, 10).iter().enumerate().map(|(i, k)| k * 1000 + i as i64).collect();
        let (sorted, _) = run(items.clone(), |a, b| a / 1000 < b / 1000);
        let mut expected = items;
        expected.sort_by_key(|v| v / 1000);
        assert_eq!(sorted, expected);
    }

    #[test]
    fn counts_few_comparisons() {
        let n = 10_000;
        let (_, random) = run(numbers(n, 11, 1 << 40), |a, b| a < b);
        assert!(random < n * 13, "{random} comparisons");
        let (_, sorted) = run((0..n as i64).collect(), |a, b| a < b);
        assert!(sorted < n * 5, "{sorted} comparisons on sorted input");
    }

    #[test]
    fn inconsistent_answers_keep_a_permutation_and_end() {
        for len in [2, 5, 33, 100, 1000] {
            let items = numbers(len, 5, 50);
            let mut expected = items.clone();
            expected.sort();
            let mut flip = false;
            let answers: [fn(i64, i64) -> bool; 2] = [|_, _| true, |_, _| false];
            for answer in answers {
                let (mut sorted, asked) = run(items.clone(), answer);
                sorted.sort();
                assert_eq!(sorted, expected);
                assert!(asked < len * 20);
            }
            let (mut sorted, _) = run(items.clone(), |_, _| {
                flip = !flip;
                flip
            });
            sorted.sort();
            assert_eq!(sorted, expected);
        }
    }
}
