//! Students' attendance over a range: their counts, rates and streaks, the chronically absent
//! of a school, and each school's count of them for the district's page.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text};

use crate::domain::attendance::{format_rate, Tally};

/// A student's marks over a range, counted in SQL.
#[derive(Debug, Clone, QueryableByName)]
pub struct StudentRate {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub student_number: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub class_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub present: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
    #[diesel(sql_type = BigInt)]
    pub excused: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub rate: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub streak: i64,
}

impl StudentRate {
    pub fn tally(&self) -> Tally {
        Tally {
            present: self.present,
            late: self.late,
            absent: self.absent,
            excused: self.excused,
        }
    }

    pub fn rate_text(&self) -> String {
        format_rate(self.tally().rate())
    }
}

/// A school's chronically absent students, term to date, from the insight summaries.
pub fn list_flagged_from_summary(
    conn: &mut PgConnection,
    school: i64,
) -> QueryResult<Vec<StudentRate>> {
    crate::db::statement(include_str!("../sql/list_flagged_summary_in_school.sql"))
        .bind::<BigInt, _>(school)
        .load(conn)
}

/// A school's chronically absent students over [from, to] under its thresholds, counted live;
/// only those rows leave the database.
pub fn list_flagged_rates(
    conn: &mut PgConnection,
    school: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<StudentRate>> {
    crate::db::statement(include_str!("../sql/list_flagged_rates_in_school.sql"))
        .bind::<BigInt, _>(school)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .load(conn)
}

/// Every active student of a school (or, for `None`, the district) with their counts,
/// unrounded rate and current absence streak over [from, to].
pub fn list_student_rates(
    conn: &mut PgConnection,
    school: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<StudentRate>> {
    match school {
        Some(school) => {
            crate::db::statement(include_str!("../sql/list_student_rates_in_school.sql"))
                .bind::<BigInt, _>(school)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .load(conn)
        }
        None => crate::db::statement(include_str!("../sql/list_student_rates_in_district.sql"))
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .load(conn),
    }
}

/// One school's line of the district's attendance: how many of its students are chronically
/// absent or on a streak, and how many parents' reasons wait for its office.
#[derive(Debug, QueryableByName)]
pub struct SchoolFlags {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub chronic: i64,
    #[diesel(sql_type = BigInt)]
    pub streaks: i64,
    #[diesel(sql_type = BigInt)]
    pub reasons: i64,
}

/// Every school's [`SchoolFlags`] under its own thresholds: the term to date from the insight
/// summaries (`from_summary`), or any other range live from the marks.
pub fn count_flags_by_school(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
    from_summary: bool,
) -> QueryResult<Vec<SchoolFlags>> {
    if from_summary {
        crate::db::statement(include_str!("../sql/count_flags_by_school.sql")).load(conn)
    } else {
        crate::db::statement(include_str!("../sql/count_flags_by_school_live.sql"))
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .load(conn)
    }
}
