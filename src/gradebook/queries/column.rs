//! What saving one assessment's column needs, read in one statement so that the save makes two
//! round trips in all (DESIGN.md §10: a column of 30 marks in at most three).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Timestamptz};

use super::assessments::Assessment;
use super::book::Book;

/// A gradebook the teacher teaches, one of its assessments, and the students on its roster.
pub struct ColumnForSave {
    pub book: Book,
    pub assessment: Assessment,
    pub roster: Vec<i64>,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(embed)]
    book: Book,
    #[diesel(embed)]
    assessment: Assessment,
    #[diesel(sql_type = Array<BigInt>)]
    roster: Vec<i64>,
}

/// Assessment `assessment_id` of `class_id` × `subject_id` for a teacher who teaches the pair,
/// with the ids of its term's roster; NotFound otherwise.
pub fn find_column_for_save(
    conn: &mut PgConnection,
    class_id: i64,
    subject_id: i64,
    assessment_id: i64,
    now: DateTime<Utc>,
    teacher: i64,
) -> QueryResult<ColumnForSave> {
    let row: ColumnRow = crate::db::statement(include_str!("../sql/find_column_for_save.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<BigInt, _>(subject_id)
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(teacher)
        .bind::<BigInt, _>(assessment_id)
        .get_result(conn)?;
    Ok(ColumnForSave {
        book: row.book,
        assessment: row.assessment,
        roster: row.roster,
    })
}
