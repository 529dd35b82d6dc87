//! How old the insight summaries a page shows are, in words.

use chrono::{DateTime, Utc};

/// "Term figures as of 14:05 UTC (3 minutes ago)…" or a note that they are being prepared.
pub fn age_note(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        None => "Term figures are being prepared; they appear within a few minutes.".into(),
        Some(t) => {
            let minutes = (now - t).num_minutes().max(0);
            format!(
                "Term figures as of {} ({}). Today's attendance is live.",
                t.format("%-d %b %H:%M UTC"),
                match minutes {
                    0 => "just now".to_string(),
                    1 => "1 minute ago".to_string(),
                    m if m < 120 => format!("{m} minutes ago"),
                    m => format!("{} hours ago", m / 60),
                }
            )
        }
    }
}
