//! Dashboard figures: live counts for today from the schools' boards of registers, everything
//! term-to-date from the insight summaries. Every query is scoped to a school (principal) or the
//! district (admin).

mod figures;
mod lists;
mod teacher;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::models::work;

pub use figures::{
    list_school_cards, list_subject_bands, list_weeks, SchoolCard, SubjectBand, Week,
};
pub use lists::{
    find_student_flags, list_class_options, list_flagged, list_students_of_classes, ClassOption,
    Flagged, FlaggedPage, List, ListFilter, PAGE_SIZE,
};
pub use teacher::{list_unmarked, Unmarked};
// The names examples/bench.rs calls.
pub use figures::{
    list_school_cards as school_cards, list_subject_bands as subject_bands, list_weeks as weeks,
};

/// A student's term on their profile: attendance counted by category, all marks (published or
/// not) with their weights, the school's scale and behaviour, from `from` to `today`.
pub struct StudentTerm {
    pub tally: crate::domain::attendance::Tally,
    pub marks: work::MarksAndWeights,
    pub scale: crate::domain::grades::GradeScale,
    pub records: work::Records,
}

/// [`StudentTerm`] in one statement (`models::work::find_student_work`). Call only for a
/// student the user may see.
pub fn student_term(
    conn: &mut PgConnection,
    student_id: i64,
    school_id: i64,
    term: i64,
    from: NaiveDate,
    today: NaiveDate,
) -> QueryResult<StudentTerm> {
    // All work, published or not, without class averages; attendance and behaviour from the
    // term's start.
    let found = work::find_student_work(
        conn,
        &work::StudentWorkQuery {
            student_id,
            attendance: Some(work::AttendanceWanted {
                month: (from, today),
                year: (from, today),
                calendar: false,
            }),
            marks: Some(work::MarksWanted {
                term_id: term,
                published_only: false,
                class_means: false,
            }),
            scale_of_school: Some(school_id),
            records_since: Some(from),
        },
    )?;
    Ok(StudentTerm {
        tally: found.attendance.year,
        marks: found.marks.unwrap_or(work::MarksAndWeights {
            marks: Vec::new(),
            weights: Vec::new(),
        }),
        scale: found.scale.unwrap_or_default(),
        records: found.records.unwrap_or(work::Records {
            behaviour: Vec::new(),
            participation: Vec::new(),
        }),
    })
}
