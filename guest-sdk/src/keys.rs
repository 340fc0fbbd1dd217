//! Unique `data-key`s within one fragment ([`Keys`]): a key already given
//! out gets a `~2`, `~3`, ... suffix, so duplicate names in the data never
//! make two rows share a key (the browser matches rows by key to patch
//! them).

use std::collections::HashSet;

/// The keys given out so far in one fragment; start a new one per render.
///
/// ```
/// let mut keys = planhost_guest::Keys::default();
/// assert_eq!(keys.unique("track-Core".into()), "track-Core");
/// assert_eq!(keys.unique("track-Core".into()), "track-Core~2");
/// ```
#[derive(Debug, Default)]
pub struct Keys {
    used: HashSet<String>,
}

impl Keys {
    /// `key` if it is still free, else the first free `key~N` (N from 2).
    /// Either way the key returned is taken from then on.
    pub fn unique(&mut self, key: String) -> String {
        if !self.used.contains(&key) {
            self.used.insert(key.clone());
            return key;
        }
        let mut n = 2u32;
        loop {
            let candidate = format!("{key}~{n}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Keys;

    #[test]
    fn duplicates_get_a_suffix() {
        let mut keys = Keys::default();
        assert_eq!(keys.unique("track-A".into()), "track-A");
        assert_eq!(keys.unique("track-A~2".into()), "track-A~2");
        assert_eq!(keys.unique("track-A".into()), "track-A~3");
        assert_eq!(keys.unique("track-B".into()), "track-B");
        assert_eq!(keys.unique("track-A".into()), "track-A~4");
        assert_eq!(keys.unique("track-A~3".into()), "track-A~3~2");
    }

    #[test]
    fn a_new_fragment_starts_afresh() {
        assert_eq!(Keys::default().unique("item-7".into()), "item-7");
        assert_eq!(Keys::default().unique("item-7".into()), "item-7");
    }
}
