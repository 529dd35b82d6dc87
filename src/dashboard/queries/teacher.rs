//! The teacher's dashboard: their assessments not yet fully marked.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

/// For a teacher's dashboard: assessments of their class-and-subject pairs dated up to today
/// that are not fully marked.
#[derive(Debug, Clone, QueryableByName)]
pub struct Unmarked {
    #[diesel(sql_type = BigInt)]
    pub assessment_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = BigInt)]
    pub subject_id: i64,
    #[diesel(sql_type = Text)]
    pub subject_name: String,
    #[diesel(sql_type = BigInt)]
    pub entered: i64,
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
}

/// The teacher's assessments dated up to `today` (120 days back) with marks still to enter.
pub fn list_unmarked(
    conn: &mut PgConnection,
    teacher: i64,
    today: NaiveDate,
) -> QueryResult<Vec<Unmarked>> {
    crate::db::statement(include_str!("../sql/list_unmarked_assessments.sql"))
        .bind::<BigInt, _>(teacher)
        .bind::<Date, _>(today)
        .load::<Unmarked>(conn)
        .map(|rows| {
            rows.into_iter()
                .filter(|u| u.entered < u.enrolled)
                .collect()
        })
}
