//! A student's attendance as the pages about them show it: the month's and the year's tallies,
//! the month's calendar and the year's absences.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, SmallInt, Text};

use crate::domain::attendance::Tally;

/// One day's mark for the calendar.
#[derive(Debug, Clone)]
pub struct DayMark {
    pub date: NaiveDate,
    pub code: String,
    pub label: String,
    pub category: String,
}

/// An absence or late arrival, with the parent's reason if one was sent.
#[derive(Debug, Clone)]
pub struct Absence {
    pub attendance_id: i64,
    pub date: NaiveDate,
    pub label: String,
    pub category: String,
    pub late_minutes: Option<i16>,
    pub note: String,
    pub reason: Option<String>,
    pub reason_status: Option<String>,
    pub response: Option<String>,
}

/// A month's calendar, the month's and the year's tallies, and the year's absences (newest
/// first, with the latest reason sent) of one student.
#[derive(Default)]
pub struct StudentAttendance {
    /// One per day in the month: the first class's register that day.
    pub marks: Vec<DayMark>,
    pub month: Tally,
    pub year: Tally,
    pub absences: Vec<Absence>,
}

/// The SQL types of the attendance part of `find_student_work.sql` as a record: part (1 a
/// category's counts, 2 a day of the month, 3 an absence), the [`Absence`]'s nine fields,
/// code, in_month, in_year.
pub(super) type AttendanceSql = (
    Integer,
    BigInt,
    Date,
    Text,
    Text,
    Nullable<SmallInt>,
    Text,
    Nullable<Text>,
    Nullable<Text>,
    Nullable<Text>,
    Text,
    BigInt,
    BigInt,
);

/// A record of [`AttendanceSql`].
pub(super) type AttendanceTuple = (
    i32,
    i64,
    NaiveDate,
    String,
    String,
    Option<i16>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
);

impl StudentAttendance {
    /// The part's records in any order.
    pub(super) fn from_rows(rows: Vec<AttendanceTuple>) -> Self {
        let mut out = StudentAttendance::default();
        for r in rows {
            let (part, category, in_month, in_year) = (r.0, r.4, r.11, r.12);
            match part {
                1 => {
                    out.month.set(&category, in_month);
                    out.year.set(&category, in_year);
                }
                2 => out.marks.push(DayMark {
                    date: r.2,
                    code: r.10,
                    label: r.3,
                    category,
                }),
                _ => out.absences.push(Absence {
                    attendance_id: r.1,
                    date: r.2,
                    label: r.3,
                    category,
                    late_minutes: r.5,
                    note: r.6,
                    reason: r.7,
                    reason_status: r.8,
                    response: r.9,
                }),
            }
        }
        out.marks.sort_by_key(|m| m.date);
        out.absences.sort_by_key(|b| std::cmp::Reverse(b.date));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::StudentAttendance;
    use chrono::NaiveDate;

    #[test]
    fn attendance_parts_become_tallies_a_calendar_and_absences_newest_first() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let row = |part: i32, id: i64, d: u32, category: &str, counts: (i64, i64)| {
            (
                part,
                id,
                day(d),
                format!("{category} label"),
                category.to_string(),
                (category == "late").then_some(10i16),
                String::new(),
                (id == 31).then(|| "Ill".to_string()),
                (id == 31).then(|| "pending".to_string()),
                None,
                category[..1].to_uppercase(),
                counts.0,
                counts.1,
            )
        };
        // In the order a UNION may return them.
        let out = StudentAttendance::from_rows(vec![
            row(3, 30, 2, "absent", (0, 0)),
            row(2, 0, 6, "late", (0, 0)),
            row(1, 0, 1, "present", (15, 120)),
            row(3, 31, 6, "late", (0, 0)),
            row(2, 0, 2, "absent", (0, 0)),
            row(1, 0, 1, "absent", (1, 4)),
            row(1, 0, 1, "late", (1, 2)),
        ]);
        assert_eq!(
            (out.month.present, out.month.absent, out.month.late),
            (15, 1, 1)
        );
        assert_eq!(
            (out.year.present, out.year.absent, out.year.late),
            (120, 4, 2)
        );
        let calendar: Vec<(u32, &str)> = out
            .marks
            .iter()
            .map(|m| (chrono::Datelike::day(&m.date), m.code.as_str()))
            .collect();
        assert_eq!(calendar, vec![(2, "A"), (6, "L")]);
        let absences: Vec<(i64, Option<i16>, Option<&str>)> = out
            .absences
            .iter()
            .map(|a| (a.attendance_id, a.late_minutes, a.reason.as_deref()))
            .collect();
        assert_eq!(
            absences,
            vec![(31, Some(10), Some("Ill")), (30, None, None)]
        );
    }
}
