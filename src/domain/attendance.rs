//! Attendance rules that hold everywhere (DESIGN.md §4).

/// What a mark means for the attendance rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Present,
    Late,
    Absent,
    Excused,
}

impl Category {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "present" => Some(Self::Present),
            "late" => Some(Self::Late),
            "absent" => Some(Self::Absent),
            "excused" => Some(Self::Excused),
            _ => None,
        }
    }
}

/// Counts of marks over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub present: i64,
    pub late: i64,
    pub absent: i64,
    pub excused: i64,
}

impl Tally {
    pub fn add(&mut self, category: Category) {
        match category {
            Category::Present => self.present += 1,
            Category::Late => self.late += 1,
            Category::Absent => self.absent += 1,
            Category::Excused => self.excused += 1,
        }
    }

    /// Sets the count of a stored category (`present`, `late`, `absent`, anything else excused).
    pub fn set(&mut self, category: &str, n: i64) {
        match category {
            "present" => self.present = n,
            "late" => self.late = n,
            "absent" => self.absent = n,
            _ => self.excused = n,
        }
    }

    /// Attended ÷ counted, where attended = present + late and counted = present + late + absent;
    /// excused marks are left out of both. Nothing counted → no rate (None), never 0 or 100 %.
    pub fn rate(&self) -> Option<f64> {
        let counted = self.present + self.late + self.absent;
        (counted > 0).then(|| (self.present + self.late) as f64 / counted as f64)
    }
}

/// Whether a student is chronically absent under a school's thresholds: a rate (0–1) below
/// `below_percent` %, or an absence streak of `streak_days` school days or more. The SQL form is
/// `rollbook_chronic` (migration 35).
pub fn chronic(rate: Option<f64>, streak: i64, below_percent: f64, streak_days: i64) -> bool {
    rate.is_some_and(|r| r < below_percent / 100.0) || streak >= streak_days
}

/// Whether an enrolment that runs from `starts_on` to `ends_on` (open when None) includes `day`.
/// The SQL form is `rollbook_enrolled_on` (migration 35).
pub fn enrolled_on(
    starts_on: chrono::NaiveDate,
    ends_on: Option<chrono::NaiveDate>,
    day: chrono::NaiveDate,
) -> bool {
    starts_on <= day && ends_on.is_none_or(|end| end >= day)
}

/// A rate as people read it: "92.3 %", or "—" when there is none.
pub fn format_rate(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.1} %", r * 100.0),
        None => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(p: i64, l: i64, a: i64, e: i64) -> Tally {
        Tally {
            present: p,
            late: l,
            absent: a,
            excused: e,
        }
    }

    #[test]
    fn late_counts_as_attended_and_excused_is_left_out() {
        assert_eq!(tally(8, 1, 1, 5).rate(), Some(0.9));
    }

    #[test]
    fn all_excused_or_nothing_recorded_has_no_rate() {
        assert_eq!(tally(0, 0, 0, 4).rate(), None);
        assert_eq!(Tally::default().rate(), None);
        assert_eq!(format_rate(None), "—");
    }

    #[test]
    fn all_absent_is_zero_not_none() {
        assert_eq!(tally(0, 0, 3, 0).rate(), Some(0.0));
        assert_eq!(format_rate(Some(0.923)), "92.3 %");
    }
}
