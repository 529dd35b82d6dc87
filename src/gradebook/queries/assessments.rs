//! A gradebook's assessments, with or without every stored cell of them.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Integer, Nullable, Text};

use super::book::Book;
use super::cells::{GridColumn, ScoreRow, Status};

#[derive(Debug, Clone, QueryableByName)]
pub struct Assessment {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = BigInt)]
    pub category_id: i64,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub term_id: i64,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Double)]
    pub max_score: f64,
    #[diesel(sql_type = Bool)]
    pub published: bool,
    #[diesel(sql_type = Bool)]
    pub archived: bool,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    /// Cells with something entered (not blank).
    #[diesel(sql_type = BigInt)]
    pub entered: i64,
}

impl Assessment {
    pub fn max_label(&self) -> String {
        crate::domain::grades::format_score(self.max_score)
    }
}

/// Which of a book's assessments: a term's (archived ones left out), or one by id (archived or
/// not), in a given term or any. Two statements each, so each keeps its own plan.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    Term(i64),
    One { id: i64, term: Option<i64> },
}

/// A book's assessments, by date. `count_entered`: count each one's entered cells (otherwise
/// `entered` is 0; [`assessments_with_cells`] counts them from the cells it loads).
pub fn list_assessments(
    conn: &mut PgConnection,
    book: &Book,
    which: Which,
    count_entered: bool,
) -> QueryResult<Vec<Assessment>> {
    let query = match which {
        Which::Term(term) => crate::db::statement(include_str!("../sql/list_term_assessments.sql"))
            .bind::<BigInt, _>(book.class_id)
            .bind::<BigInt, _>(book.subject_id)
            .bind::<BigInt, _>(term),
        Which::One { id, term } => {
            crate::db::statement(include_str!("../sql/find_book_assessment.sql"))
                .bind::<BigInt, _>(book.class_id)
                .bind::<BigInt, _>(book.subject_id)
                .bind::<BigInt, _>(id)
                .bind::<Nullable<BigInt>, _>(term)
        }
    };
    query.bind::<Bool, _>(count_entered).load(conn)
}

#[derive(QueryableByName)]
struct AssessmentWithGrid {
    #[diesel(embed)]
    assessment: Assessment,
    #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
    student_ids: Vec<i64>,
    #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
    stamps: Vec<i64>,
    #[diesel(sql_type = diesel::sql_types::Array<Nullable<diesel::sql_types::Double>>)]
    scores: Vec<Option<f64>>,
}

/// [`list_assessments`] (`entered` counted from the cells) and every stored cell of them, in one
/// statement: each assessment comes with its row of `score_grids` (kept in step with `scores` by
/// triggers), instead of hundreds of cells gathered one by one. Cells come without who entered
/// them (a join per cell would cost more than the rest of the page); [`who_entered`] finds them
/// for the few cells that need them.
pub fn assessments_with_cells(
    conn: &mut PgConnection,
    book: &Book,
    which: Which,
) -> QueryResult<(Vec<Assessment>, Vec<ScoreRow>)> {
    let query = match which {
        Which::Term(term) => {
            crate::db::statement(include_str!("../sql/list_term_assessments_with_cells.sql"))
                .bind::<BigInt, _>(book.class_id)
                .bind::<BigInt, _>(book.subject_id)
                .bind::<BigInt, _>(term)
        }
        Which::One { id, term } => {
            crate::db::statement(include_str!("../sql/find_book_assessment_with_cells.sql"))
                .bind::<BigInt, _>(book.class_id)
                .bind::<BigInt, _>(book.subject_id)
                .bind::<BigInt, _>(id)
                .bind::<Nullable<BigInt>, _>(term)
        }
    };
    let rows: Vec<AssessmentWithGrid> = query.load(conn)?;
    let mut cells = Vec::new();
    let assessments = rows
        .into_iter()
        .map(|mut row| -> QueryResult<Assessment> {
            let column = GridColumn {
                assessment_id: row.assessment.id,
                student_ids: &row.student_ids,
                stamps: &row.stamps,
                scores: &row.scores,
            };
            let before = cells.len();
            cells.extend(column.rows()?);
            row.assessment.entered = cells[before..]
                .iter()
                .filter(|c| c.status != Status::BLANK)
                .count() as i64;
            Ok(row.assessment)
        })
        .collect::<QueryResult<_>>()?;
    Ok((assessments, cells))
}
