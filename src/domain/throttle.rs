//! When a sign-in attempt must wait. Pure rules over recent failures; the caller counts them.
//!
//! Per account (counted by the email typed, so unknown emails behave the same and reveal
//! nothing): four failures are free; from the fifth, each further try must wait 15 s, 30 s,
//! 60 s, 120 s, 240 s after the last failure; the tenth locks the account for 15 minutes.
//! Per client address, far more generously: 100 failures in 15 minutes, whatever the accounts,
//! so one pupil cannot lock out a whole school behind one address. A success or an unlock by an
//! administrator starts the account's count again.

use chrono::{DateTime, Duration, Utc};

/// Failures older than this are forgotten.
pub const WINDOW: Duration = Duration::minutes(15);
/// Failures allowed before delays begin.
pub const FREE_FAILURES: i64 = 4;
/// Failures that lock the account.
pub const LOCK_AFTER: i64 = 10;
/// How long a lock lasts.
pub const LOCK_FOR: Duration = Duration::minutes(15);
/// Failures per client address per window.
pub const ADDRESS_FAILURES: i64 = 100;

/// Recent sign-in history, as counted in SQL.
#[derive(Debug, Clone, Default)]
pub struct RecentFailures {
    /// Failures for this email within the window and since the last success or unlock.
    pub email_failures: i64,
    pub last_email_failure: Option<DateTime<Utc>>,
    /// Failures from this client address within the window.
    pub address_failures: i64,
    pub oldest_address_failure: Option<DateTime<Utc>>,
    /// The account's lock, if it has one.
    pub locked_until: Option<DateTime<Utc>>,
}

/// Why an attempt must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    Account,
    Locked,
    Address,
}

/// The answer for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Wait { seconds: u64, reason: WaitReason },
}

fn seconds_until(at: DateTime<Utc>, now: DateTime<Utc>) -> Option<u64> {
    let ms = (at - now).num_milliseconds();
    (ms > 0).then(|| ((ms + 999) / 1000) as u64)
}

/// The delay owed after `failures` failures (none for the free ones).
pub fn account_delay(failures: i64) -> Option<Duration> {
    match failures {
        f if f <= FREE_FAILURES => None,
        f if f >= LOCK_AFTER => Some(LOCK_FOR),
        f => Some(Duration::seconds(15 << (f - FREE_FAILURES - 1))),
    }
}

/// Whether an attempt may go ahead now.
pub fn decide(recent: &RecentFailures, now: DateTime<Utc>) -> Verdict {
    if let Some(seconds) = recent
        .locked_until
        .and_then(|until| seconds_until(until, now))
    {
        return Verdict::Wait {
            seconds,
            reason: WaitReason::Locked,
        };
    }
    if let (Some(delay), Some(last)) = (
        account_delay(recent.email_failures),
        recent.last_email_failure,
    ) {
        if let Some(seconds) = seconds_until(last + delay, now) {
            let reason = if recent.email_failures >= LOCK_AFTER {
                WaitReason::Locked
            } else {
                WaitReason::Account
            };
            return Verdict::Wait { seconds, reason };
        }
    }
    if recent.address_failures >= ADDRESS_FAILURES {
        if let Some(seconds) = recent
            .oldest_address_failure
            .and_then(|oldest| seconds_until(oldest + WINDOW, now))
        {
            return Verdict::Wait {
                seconds,
                reason: WaitReason::Address,
            };
        }
    }
    Verdict::Allow
}

/// Whether a failure that brings the count to `failures` locks a real account.
pub fn locks_account(failures: i64) -> bool {
    failures >= LOCK_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn four_failures_are_free_then_delays_double() {
        assert_eq!(account_delay(4), None);
        let delays: Vec<i64> = (5..=9)
            .map(|f| account_delay(f).unwrap().num_seconds())
            .collect();
        assert_eq!(delays, vec![15, 30, 60, 120, 240]);
        assert_eq!(account_delay(10), Some(LOCK_FOR));
    }

    #[test]
    fn the_wait_counts_from_the_last_failure() {
        let recent = RecentFailures {
            email_failures: 5,
            last_email_failure: Some(at(0)),
            ..Default::default()
        };
        assert_eq!(
            decide(&recent, at(10)),
            Verdict::Wait {
                seconds: 5,
                reason: WaitReason::Account
            }
        );
        assert_eq!(decide(&recent, at(15)), Verdict::Allow);
    }

    #[test]
    fn a_lock_holds_until_it_ends() {
        let recent = RecentFailures {
            locked_until: Some(at(900)),
            ..Default::default()
        };
        assert_eq!(
            decide(&recent, at(0)),
            Verdict::Wait {
                seconds: 900,
                reason: WaitReason::Locked
            }
        );
        assert_eq!(decide(&recent, at(900)), Verdict::Allow);
    }

    #[test]
    fn an_address_waits_only_after_a_hundred_failures() {
        let mut recent = RecentFailures {
            address_failures: 99,
            oldest_address_failure: Some(at(0)),
            ..Default::default()
        };
        assert_eq!(decide(&recent, at(60)), Verdict::Allow);
        recent.address_failures = 100;
        assert_eq!(
            decide(&recent, at(60)),
            Verdict::Wait {
                seconds: 840,
                reason: WaitReason::Address
            }
        );
    }
}
