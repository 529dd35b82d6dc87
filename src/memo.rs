//! A short-lived in-process memo for a live view that many people poll and that is costly to
//! count (the schools' boards of registers): each key is counted at most once per `fresh_for`,
//! by one request at a time, and the feature that changes the underlying data forgets every
//! entry at once. Another server behind the same load balancer serves its own copy, at most
//! `fresh_for` old.
//!
//! While one request counts a key again, the others are served the value it replaces (a few
//! milliseconds older), so an expiry never sends every request to count at once; a key with no
//! value yet makes them wait for the one counting it.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};

/// At most this many keys are kept; beyond it the oldest half is dropped.
const MAX_KEYS: usize = 256;

/// The longest a request waits for another to count a key before counting it itself.
const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A count of changes to some data: memos of what was counted from it compare the count they
/// last saw and start again when it moved. Plumbing, so the area that changes the data need not
/// know which areas keep memos of it.
#[derive(Debug, Default)]
pub struct Epoch(std::sync::atomic::AtomicU64);

impl Epoch {
    /// The data changed.
    pub fn bump(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    pub fn now(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }
}

pub struct Memo<K, V> {
    fresh_for: Duration,
    inner: Mutex<Inner<K, V>>,
    counted: Condvar,
}

struct Inner<K, V> {
    /// Bumped by [`Memo::clear`]: a count begun before it is not kept.
    generation: u64,
    /// Each key's last count and when it was made.
    entries: HashMap<K, (DateTime<Utc>, Arc<V>)>,
    /// Keys being counted now.
    counting: HashSet<K>,
}

impl<K: Eq + Hash + Clone, V> Memo<K, V> {
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            inner: Mutex::new(Inner {
                generation: 0,
                entries: HashMap::new(),
                counting: HashSet::new(),
            }),
            counted: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<K, V>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now >= at && now - at < self.fresh_for
    }

    /// The value of `key`: counted less than `fresh_for` before `now`, else being counted again
    /// by another request (its last value), else counted here by `count`.
    pub fn get_or_count<E>(
        &self,
        key: &K,
        now: DateTime<Utc>,
        count: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let mut inner = self.lock();
        let mut waited = false;
        loop {
            if let Some((at, value)) = inner.entries.get(key) {
                if self.fresh(*at, now) || inner.counting.contains(key) {
                    return Ok(Arc::clone(value));
                }
            }
            if waited || !inner.counting.contains(key) {
                break;
            }
            // Nothing to serve yet: wait for the request counting it.
            let (guard, timeout) = self
                .counted
                .wait_timeout_while(inner, LONGEST_WAIT, |i| i.counting.contains(key))
                .unwrap_or_else(|e| e.into_inner());
            inner = guard;
            waited = timeout.timed_out();
        }
        inner.counting.insert(key.clone());
        let generation = inner.generation;
        drop(inner);
        // Whatever happens to the count (even a panic), the key is released and waiters woken.
        let _release = Release { memo: self, key };
        let value = Arc::new(count()?);
        let mut inner = self.lock();
        if inner.generation == generation {
            inner
                .entries
                .retain(|_, (at, _)| now >= *at && now - *at < self.fresh_for);
            if inner.entries.len() >= MAX_KEYS {
                let mut times: Vec<DateTime<Utc>> = inner.entries.values().map(|e| e.0).collect();
                times.sort_unstable();
                let cut = times[times.len() / 2];
                inner.entries.retain(|_, (at, _)| *at > cut);
            }
            inner.entries.insert(key.clone(), (now, Arc::clone(&value)));
        }
        Ok(value)
    }

    /// Forgets every key (the data behind them changed); a count already under way is not kept.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }
}

/// Takes a key off the counting list when its count ends, however it ends.
struct Release<'a, K: Eq + Hash + Clone, V> {
    memo: &'a Memo<K, V>,
    key: &'a K,
}

impl<K: Eq + Hash + Clone, V> Drop for Release<'_, K, V> {
    fn drop(&mut self) {
        self.memo.lock().counting.remove(self.key);
        self.memo.counted.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::{Memo, MAX_KEYS};
    use chrono::{Duration, TimeZone, Utc};
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};

    fn t0() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
    }

    fn get(
        memo: &Memo<i64, &'static str>,
        key: i64,
        at: chrono::DateTime<Utc>,
        v: &'static str,
    ) -> &'static str {
        *memo
            .get_or_count(&key, at, || Ok::<_, Infallible>(v))
            .unwrap()
    }

    #[test]
    fn a_value_is_kept_until_it_is_stale_or_forgotten() {
        let memo: Memo<i64, &str> = Memo::new(Duration::seconds(10));
        assert_eq!(get(&memo, 1, t0(), "first"), "first");
        assert_eq!(
            get(&memo, 1, t0() + Duration::seconds(9), "second"),
            "first"
        );
        assert_eq!(get(&memo, 2, t0(), "other key"), "other key");
        assert_eq!(
            get(&memo, 1, t0() + Duration::seconds(10), "third"),
            "third"
        );
        // A clock set back does not make a value fresh forever.
        assert_eq!(get(&memo, 1, t0(), "fourth"), "fourth");
        memo.clear();
        assert_eq!(get(&memo, 1, t0(), "after clear"), "after clear");
        // A failed count keeps nothing and blocks nobody.
        let failed = memo.get_or_count(&3, t0(), || Err::<&str, _>("database down"));
        assert_eq!(failed.unwrap_err(), "database down");
        assert_eq!(get(&memo, 3, t0(), "recovered"), "recovered");
    }

    #[test]
    fn a_count_under_way_when_the_data_changes_is_not_kept() {
        let memo: Memo<i64, &str> = Memo::new(Duration::seconds(10));
        let value = memo
            .get_or_count(&1, t0(), || {
                memo.clear();
                Ok::<_, Infallible>("read before the change")
            })
            .unwrap();
        assert_eq!(*value, "read before the change");
        assert_eq!(get(&memo, 1, t0(), "read after"), "read after");
    }

    #[test]
    fn while_one_request_counts_the_others_wait_or_get_the_last_value() {
        let memo = Arc::new(Memo::<i64, usize>::new(Duration::seconds(10)));
        let counts = Arc::new(AtomicUsize::new(0));
        let (started, counting) = mpsc::channel();
        let (finish, finished) = mpsc::channel::<()>();
        // One slow count of an absent key; eight more requests meanwhile.
        let slow = {
            let (memo, counts) = (Arc::clone(&memo), Arc::clone(&counts));
            std::thread::spawn(move || {
                *memo
                    .get_or_count(&1, t0(), || {
                        started.send(()).unwrap();
                        finished.recv().unwrap();
                        Ok::<_, Infallible>(counts.fetch_add(1, Ordering::SeqCst) + 100)
                    })
                    .unwrap()
            })
        };
        counting.recv().unwrap();
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let (memo, counts) = (Arc::clone(&memo), Arc::clone(&counts));
                std::thread::spawn(move || {
                    *memo
                        .get_or_count(&1, t0(), || {
                            Ok::<_, Infallible>(counts.fetch_add(1, Ordering::SeqCst) + 100)
                        })
                        .unwrap()
                })
            })
            .collect();
        finish.send(()).unwrap();
        assert_eq!(slow.join().unwrap(), 100);
        for w in waiters {
            assert_eq!(w.join().unwrap(), 100, "waited for the one count");
        }
        assert_eq!(counts.load(Ordering::SeqCst), 1);

        // Stale: one request counts again; the others get the last value meanwhile.
        let later = t0() + Duration::seconds(11);
        let (started, counting) = mpsc::channel();
        let (finish, finished) = mpsc::channel::<()>();
        let recount = {
            let memo = Arc::clone(&memo);
            std::thread::spawn(move || {
                *memo
                    .get_or_count(&1, later, || {
                        started.send(()).unwrap();
                        finished.recv().unwrap();
                        Ok::<_, Infallible>(200)
                    })
                    .unwrap()
            })
        };
        counting.recv().unwrap();
        let meanwhile = *memo
            .get_or_count(&1, later, || Ok::<_, Infallible>(999))
            .unwrap();
        assert_eq!(meanwhile, 100);
        finish.send(()).unwrap();
        assert_eq!(recount.join().unwrap(), 200);
        assert_eq!(
            *memo
                .get_or_count(&1, later, || Ok::<_, Infallible>(999))
                .unwrap(),
            200
        );
    }

    #[test]
    fn many_keys_never_grow_without_bound() {
        let memo: Memo<usize, usize> = Memo::new(Duration::seconds(60));
        for i in 0..(MAX_KEYS * 4) {
            let at = t0() + Duration::milliseconds(i as i64);
            memo.get_or_count(&i, at, || Ok::<_, Infallible>(i))
                .unwrap();
        }
        let kept = memo.lock().entries.len();
        assert!(kept <= MAX_KEYS, "{kept}");
        // The newest is still served without counting again.
        let last = MAX_KEYS * 4 - 1;
        let now = t0() + Duration::milliseconds(last as i64);
        let got = memo
            .get_or_count(&last, now, || Ok::<_, Infallible>(0))
            .unwrap();
        assert_eq!(*got, last);
    }
}
