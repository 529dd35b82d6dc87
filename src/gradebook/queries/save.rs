//! Saving a gradebook's cells, all or nothing.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double, Integer, Nullable, Text, Timestamptz};

use crate::domain::grades::Entry;

use super::book::Book;

/// A cell as submitted: `status` is score, excused, missing or blank.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreInput {
    pub assessment_id: i64,
    pub student_id: i64,
    pub status: &'static str,
    pub score: Option<f64>,
    /// The version the page showed (0: nothing stored yet).
    pub version: i32,
}

impl ScoreInput {
    pub fn new(assessment_id: i64, student_id: i64, entry: Option<Entry>, version: i32) -> Self {
        let (status, score) = match entry {
            None => ("blank", None),
            Some(Entry::Score(s)) => ("score", Some(s)),
            Some(Entry::Excused) => ("excused", None),
            Some(Entry::Missing) => ("missing", None),
        };
        Self {
            assessment_id,
            student_id,
            status,
            score,
            version,
        }
    }
}

#[derive(Debug)]
pub enum SaveOutcome {
    Saved {
        written: usize,
    },
    /// Nothing saved: these cells (assessment, student) changed since the page loaded.
    Conflicts(Vec<(i64, i64)>),
}

#[derive(QueryableByName)]
struct SaveResult {
    #[diesel(sql_type = Array<BigInt>)]
    conflict_assessments: Vec<i64>,
    #[diesel(sql_type = Array<BigInt>)]
    conflict_students: Vec<i64>,
    #[diesel(sql_type = BigInt)]
    written: i64,
}

/// Saves cells of one gradebook: all of them, or none when any was changed by someone else
/// since the page loaded. A cell equal to the stored one is a no-op whatever version it carries.
/// One statement (`upsert_scores.sql`). The caller has checked that every assessment belongs
/// to `book` and every student is on its roster.
pub fn save_scores(
    conn: &mut PgConnection,
    book: &Book,
    cells: &[ScoreInput],
    actor: i64,
    at: DateTime<Utc>,
) -> QueryResult<SaveOutcome> {
    for _ in 0..3 {
        match save_scores_once(conn, book, cells, actor, at) {
            Err(diesel::result::Error::RollbackTransaction) => continue,
            other => return other,
        }
    }
    save_scores_once(conn, book, cells, actor, at)
}

fn save_scores_once(
    conn: &mut PgConnection,
    book: &Book,
    cells: &[ScoreInput],
    actor: i64,
    at: DateTime<Utc>,
) -> QueryResult<SaveOutcome> {
    let mut cells = cells.to_vec();
    cells.sort_by_key(|c| (c.assessment_id, c.student_id));
    cells.dedup_by_key(|c| (c.assessment_id, c.student_id));
    let result: QueryResult<SaveResult> =
        crate::db::statement(include_str!("../sql/upsert_scores.sql"))
            .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.assessment_id).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(cells.iter().map(|c| c.student_id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(
                cells
                    .iter()
                    .map(|c| c.status.to_string())
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Nullable<Double>>, _>(cells.iter().map(|c| c.score).collect::<Vec<_>>())
            .bind::<Array<Integer>, _>(cells.iter().map(|c| c.version).collect::<Vec<_>>())
            .bind::<BigInt, _>(book.class_id)
            .bind::<BigInt, _>(book.subject_id)
            .bind::<BigInt, _>(book.school_id)
            .bind::<BigInt, _>(actor)
            .bind::<Timestamptz, _>(at)
            .get_result(conn);
    let result = crate::db::retry_on_conflict(result)?;
    if result.conflict_assessments.is_empty() {
        return Ok(SaveOutcome::Saved {
            written: result.written as usize,
        });
    }
    Ok(SaveOutcome::Conflicts(
        result
            .conflict_assessments
            .into_iter()
            .zip(result.conflict_students)
            .collect(),
    ))
}
