//! Dates a person gives Rollbook, in forms and filters. Each is a calendar date written
//! YYYY-MM-DD (what `<input type=date>` sends) in the years Rollbook keeps, 1900 to 2100; a
//! school record (an enrolment, a register day) is also near today. Outside them a date is
//! refused with a sentence, before any query sees it (PostgreSQL and chrono each hold years the
//! other cannot).

use chrono::{Datelike, Months, NaiveDate};

/// The first and last years Rollbook keeps.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2100;
/// How far a school record may be from today: years back, years ahead.
pub const RECORD_YEARS_BACK: u32 = 20;
pub const RECORD_YEARS_AHEAD: u32 = 2;

/// Why a typed date was refused; `Display` is the sentence shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{0:?} is not a real date. Use the form 2026-09-01.")]
    NotADate(String),
    #[error("Rollbook keeps dates from 1900 to 2100; {0} is outside them.")]
    OutOfRange(NaiveDate),
    #[error("{0} is too far from today for a school record (at most {RECORD_YEARS_BACK} years back and {RECORD_YEARS_AHEAD} ahead).")]
    FarFromToday(NaiveDate),
    #[error("The start date {0} is after the end date {1}.")]
    BackToFront(NaiveDate, NaiveDate),
}

/// A date as typed, in the years Rollbook keeps.
pub fn parse_day(raw: &str) -> Result<NaiveDate, DateError> {
    let raw = raw.trim();
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| DateError::NotADate(raw.chars().take(40).collect()))?;
    kept(day)
}

/// `day`, if its year is one Rollbook keeps.
pub fn kept(day: NaiveDate) -> Result<NaiveDate, DateError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&day.year()) {
        Ok(day)
    } else {
        Err(DateError::OutOfRange(day))
    }
}

/// An optional date: empty is None.
pub fn parse_optional_day(raw: &str) -> Result<Option<NaiveDate>, DateError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_day(raw).map(Some)
    }
}

/// A date of a school record: kept, and near `today`.
pub fn school_record(day: NaiveDate, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let day = kept(day)?;
    let earliest = today - Months::new(12 * RECORD_YEARS_BACK);
    let latest = today + Months::new(12 * RECORD_YEARS_AHEAD);
    if (earliest..=latest).contains(&day) {
        Ok(day)
    } else {
        Err(DateError::FarFromToday(day))
    }
}

/// A range of days, first to last inclusive, both kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, DateError> {
        let (from, to) = (kept(from)?, kept(to)?);
        if from > to {
            return Err(DateError::BackToFront(from, to));
        }
        Ok(Self { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_the_kept_years_are_accepted_and_others_refused() {
        assert_eq!(parse_day(" 2026-11-18 "), Ok(d(2026, 11, 18)));
        assert_eq!(parse_day("1900-01-01"), Ok(d(1900, 1, 1)));
        assert_eq!(parse_day("2100-12-31"), Ok(d(2100, 12, 31)));
        assert!(matches!(
            parse_day("1899-12-31"),
            Err(DateError::OutOfRange(_))
        ));
        assert!(parse_day("262143-12-31").is_err());
        assert!(parse_day("-4713-01-01").is_err());
        assert!(matches!(
            parse_day("+3000-01-01"),
            Err(DateError::OutOfRange(_))
        ));
        assert!(matches!(
            parse_day("2026-02-30"),
            Err(DateError::NotADate(_))
        ));
        assert_eq!(parse_optional_day("  "), Ok(None));
    }

    #[test]
    fn a_school_record_is_near_today() {
        let today = d(2026, 11, 18);
        assert!(school_record(d(2026, 9, 1), today).is_ok());
        assert!(school_record(d(2028, 11, 18), today).is_ok());
        assert_eq!(
            school_record(d(3000, 1, 1), today),
            Err(DateError::OutOfRange(d(3000, 1, 1)))
        );
        assert_eq!(
            school_record(d(2029, 1, 1), today),
            Err(DateError::FarFromToday(d(2029, 1, 1)))
        );
        assert!(school_record(d(2006, 11, 17), today).is_err());
    }

    #[test]
    fn a_range_runs_forwards_within_the_kept_years() {
        assert!(DateRange::new(d(2026, 9, 1), d(2026, 11, 18)).is_ok());
        assert!(DateRange::new(d(2026, 11, 18), d(2026, 9, 1)).is_err());
        assert!(DateRange::new(d(1800, 1, 1), d(2026, 9, 1)).is_err());
    }
}
