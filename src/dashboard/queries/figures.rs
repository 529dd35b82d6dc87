//! The dashboard's figures: each school's headline card, performance by subject and the weekly
//! trend, from the insight summaries.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable, Text, Timestamptz};

use crate::db::statement;

/// One school's headline figures.
#[derive(Debug, Clone, QueryableByName)]
pub struct SchoolCard {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub students: i64,
    #[diesel(sql_type = BigInt)]
    pub teachers: i64,
    #[diesel(sql_type = BigInt)]
    pub classes: i64,
    #[diesel(sql_type = Bool)]
    pub school_day: bool,
    #[diesel(sql_type = BigInt)]
    pub attended_today: i64,
    #[diesel(sql_type = BigInt)]
    pub counted_today: i64,
    #[diesel(sql_type = BigInt)]
    pub registers_expected: i64,
    #[diesel(sql_type = BigInt)]
    pub registers_taken: i64,
    /// Sum and count of students' overall averages (term to date), for district totals.
    #[diesel(sql_type = Double)]
    pub average_sum: f64,
    #[diesel(sql_type = BigInt)]
    pub average_count: i64,
    #[diesel(sql_type = BigInt)]
    pub high_performers: i64,
    #[diesel(sql_type = BigInt)]
    pub at_risk: i64,
}

impl SchoolCard {
    pub fn rate_today(&self) -> Option<f64> {
        (self.counted_today > 0)
            .then(|| self.attended_today as f64 / self.counted_today as f64 * 100.0)
    }
    pub fn average(&self) -> Option<f64> {
        (self.average_count > 0).then(|| self.average_sum / self.average_count as f64)
    }
    /// Today's attendance from the school's board of registers (every class, counted by
    /// category): attended is present or late, counted leaves out the excused.
    pub fn count_today(&mut self, board: &[crate::models::board::BoardRow]) {
        let t = crate::models::board::BoardTotals::of(board);
        self.attended_today = t.present + t.late;
        self.counted_today = t.present + t.late + t.absent;
        self.registers_taken = t.started;
    }

    pub fn registers_missing(&self) -> i64 {
        if self.school_day {
            (self.registers_expected - self.registers_taken).max(0)
        } else {
            0
        }
    }
}

/// Headline figures per school: counts and term figures from the summaries. Today's attendance
/// is left at zero here; [`SchoolCard::count_today`] fills it in from the school's board of
/// registers.
pub fn list_school_cards(
    conn: &mut PgConnection,
    school: Option<i64>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<SchoolCard>> {
    statement(include_str!("../sql/list_school_cards.sql"))
        .bind::<Nullable<BigInt>, _>(school)
        .bind::<Timestamptz, _>(now)
        .load(conn)
}

/// A subject's students' averages: their mean and how many fall in each grade band.
#[derive(Debug, Clone, QueryableByName)]
pub struct SubjectBand {
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = Text)]
    pub letter: String,
    #[diesel(sql_type = Double)]
    pub band_min: f64,
    #[diesel(sql_type = BigInt)]
    pub students: i64,
    #[diesel(sql_type = Double)]
    pub subject_average: f64,
    #[diesel(sql_type = BigInt)]
    pub subject_students: i64,
}

/// Performance by subject (grouped by subject name across the scope), from the summaries.
pub fn list_subject_bands(
    conn: &mut PgConnection,
    school: Option<i64>,
) -> QueryResult<Vec<SubjectBand>> {
    statement(include_str!("../sql/list_subject_bands.sql"))
        .bind::<Nullable<BigInt>, _>(school)
        .load(conn)
}

/// One week of the trend.
#[derive(Debug, Clone, QueryableByName)]
pub struct Week {
    #[diesel(sql_type = Date)]
    pub week: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub counted: i64,
    #[diesel(sql_type = Double)]
    pub score_sum: f64,
    #[diesel(sql_type = BigInt)]
    pub score_count: i64,
}

impl Week {
    pub fn rate(&self) -> Option<f64> {
        (self.counted > 0).then(|| self.attended as f64 / self.counted as f64 * 100.0)
    }
    pub fn score(&self) -> Option<f64> {
        (self.score_count > 0).then(|| self.score_sum / self.score_count as f64)
    }
}

/// Weeks (Mondays) from `since`, summed over the scope.
pub fn list_weeks(
    conn: &mut PgConnection,
    school: Option<i64>,
    since: NaiveDate,
) -> QueryResult<Vec<Week>> {
    statement(include_str!("../sql/list_weeks.sql"))
        .bind::<Nullable<BigInt>, _>(school)
        .bind::<Date, _>(since)
        .load(conn)
}
