//! Gradebook data. Authorisation lives in the WHERE clauses: a teacher finds only the
//! class-and-subject pairs they teach (or the subjects of a class they cover today), the office
//! only its school's.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

pub use crate::models::terms::{list_terms, pick_term, roster_date, Term};
pub use crate::models::work::{
    find_grade_scale as grade_scale, find_school_rules as rules_for_student, marks_and_weights,
    subject_results, BehaviourRecord, MarksAndWeights, PairWeight, ParticipationRecord, Records,
    SchoolRules, StudentMark, SubjectResult,
};

mod assessments;
mod book;
mod cells;
mod column;
mod save;

pub use assessments::{assessments_with_cells, list_assessments, Assessment, Which};
pub use book::{
    assessment_book, find_book_with_settings, taught_subjects, weights_of, Book, BookWithSettings,
    Category, SubjectLink,
};
pub use cells::{student_scores, who_entered, ScoreRow, Shown, Status};
pub use column::{find_column_for_save, ColumnForSave};
pub use save::{save_scores, SaveOutcome, ScoreInput};

/// The school's defaults for a new school: assessment categories, letter bands and behaviour
/// categories (attendance codes live with attendance).
pub fn insert_school_defaults(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
    use crate::schema::{assessment_categories as ac, behaviour_categories as bc};
    let assessment_kinds = ["Quiz", "Test", "Exam", "Assignment"];
    diesel::insert_into(ac::table)
        .values(
            (1i16..)
                .zip(assessment_kinds)
                .map(|(position, name)| {
                    (
                        ac::school_id.eq(school_id),
                        ac::name.eq(name),
                        ac::position.eq(position),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .execute(conn)?;
    crate::db::statement(include_str!("../sql/insert_default_grade_bands.sql"))
        .bind::<BigInt, _>(school_id)
        .execute(conn)?;
    let behaviour_kinds = [
        ("Helpful to others", "positive"),
        ("Excellent effort", "positive"),
        ("Disruption", "negative"),
        ("Homework not done", "negative"),
        ("Unkind behaviour", "negative"),
    ];
    diesel::insert_into(bc::table)
        .values(
            (1i16..)
                .zip(behaviour_kinds)
                .map(|(position, (name, kind))| {
                    (
                        bc::school_id.eq(school_id),
                        bc::name.eq(name),
                        bc::kind.eq(kind),
                        bc::position.eq(position),
                    )
                })
                .collect::<Vec<_>>(),
        )
        .execute(conn)?;
    Ok(())
}
