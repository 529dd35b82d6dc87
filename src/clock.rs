//! The time the application believes it is. Production reads the system clock; tests set it, so
//! expiry rules and school days are tested without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

/// A cheap, cloneable clock. `Clock::system()` follows real time; `Clock::manual(t)` stays at `t`
/// until moved with `set` or `advance`.
#[derive(Clone, Debug)]
pub struct Clock {
    // Microseconds since the epoch, or None for the system clock.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self { manual: None }
    }

    pub fn manual(at: DateTime<Utc>) -> Self {
        Self {
            manual: Some(Arc::new(AtomicI64::new(at.timestamp_micros()))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            None => Utc::now(),
            Some(micros) => DateTime::from_timestamp_micros(micros.load(Ordering::SeqCst))
                .expect("manual clock holds a valid time"),
        }
    }

    /// Moves a manual clock; panics on the system clock, which cannot be moved.
    pub fn set(&self, at: DateTime<Utc>) {
        self.manual
            .as_ref()
            .expect("only a manual clock can be set")
            .store(at.timestamp_micros(), Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-11-02T08:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        clock.clone().advance(Duration::minutes(31));
        assert_eq!(clock.now(), start + Duration::minutes(31));
    }
}
