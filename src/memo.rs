//! A short-lived in-process memo for a live view that many people poll and that is costly to
//! count (the office's board of registers): each key is counted at most once per `fresh_for`,
//! and the feature that changes the underlying data forgets its entries at once. Another server
//! behind the same load balancer serves its own copy, at most `fresh_for` old.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// At most this many keys are kept; beyond it the oldest half is dropped.
const MAX_KEYS: usize = 256;

/// A value and when it was counted.
type Entry<V> = (DateTime<Utc>, Arc<V>);

pub struct Memo<K, V> {
    fresh_for: Duration,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash + Clone, V> Memo<K, V> {
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value kept for `key` if it was counted less than `fresh_for` before `now`.
    pub fn get(&self, key: &K, now: DateTime<Utc>) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| now >= *at && now - *at < self.fresh_for)
            .map(|(_, v)| Arc::clone(v))
    }

    /// Keeps `value` as counted at `now` and hands it back.
    pub fn put(&self, key: K, value: V, now: DateTime<Utc>) -> Arc<V> {
        let value = Arc::new(value);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (at, _)| now >= *at && now - *at < self.fresh_for);
        if entries.len() >= MAX_KEYS {
            let mut times: Vec<DateTime<Utc>> = entries.values().map(|(at, _)| *at).collect();
            times.sort_unstable();
            let cut = times[times.len() / 2];
            entries.retain(|_, (at, _)| *at > cut);
        }
        entries.insert(key, (now, Arc::clone(&value)));
        value
    }

    /// Forgets every key (the data behind them changed).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{Memo, MAX_KEYS};
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn a_value_is_kept_until_it_is_stale_or_forgotten() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let memo: Memo<i64, &str> = Memo::new(Duration::seconds(10));
        assert!(memo.get(&1, t0).is_none());
        memo.put(1, "counted", t0);
        assert_eq!(
            memo.get(&1, t0 + Duration::seconds(9)).as_deref(),
            Some(&"counted")
        );
        assert!(memo.get(&2, t0).is_none());
        assert!(memo.get(&1, t0 + Duration::seconds(10)).is_none());
        // A clock set back does not make a value fresh forever.
        assert!(memo.get(&1, t0 - Duration::seconds(1)).is_none());
        memo.put(1, "again", t0);
        memo.clear();
        assert!(memo.get(&1, t0).is_none());
    }

    #[test]
    fn many_keys_never_grow_without_bound() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        let memo: Memo<usize, usize> = Memo::new(Duration::seconds(60));
        for i in 0..(MAX_KEYS * 4) {
            memo.put(i, i, t0 + Duration::milliseconds(i as i64));
        }
        let kept = memo.entries.lock().unwrap().len();
        assert!(kept <= MAX_KEYS, "{kept}");
        // The newest is always kept.
        let last = MAX_KEYS * 4 - 1;
        let now = t0 + Duration::milliseconds(last as i64);
        assert_eq!(memo.get(&last, now).as_deref(), Some(&last));
    }
}
