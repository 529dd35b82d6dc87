//! Which term is current (DESIGN.md §4). The SQL form is `rollbook_current_term` (migration 35).

use chrono::NaiveDate;

/// The current term on `day` among a school's terms, given by their first days: the latest one
/// started, else the first. Returns its index in `starts`.
pub fn current_term(starts: &[NaiveDate], day: NaiveDate) -> Option<usize> {
    let started = (0..starts.len())
        .filter(|&i| starts[i] <= day)
        .max_by_key(|&i| starts[i]);
    started.or_else(|| (0..starts.len()).min_by_key(|&i| starts[i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_latest_started_term_is_current_else_the_first() {
        let starts = [d("2026-01-05"), d("2025-09-01"), d("2026-04-20")];
        assert_eq!(current_term(&starts, d("2026-02-01")), Some(0));
        assert_eq!(current_term(&starts, d("2026-04-20")), Some(2));
        assert_eq!(current_term(&starts, d("2025-12-31")), Some(1));
        assert_eq!(current_term(&starts, d("2025-01-01")), Some(1));
        assert_eq!(current_term(&[], d("2025-01-01")), None);
    }
}
