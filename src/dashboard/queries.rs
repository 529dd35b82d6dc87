//! Dashboard figures: live counts for today from the schools' boards of registers, everything
//! term-to-date from the insight summaries. Every query is scoped to a school (principal) or the
//! district (admin).

mod figures;
mod lists;
mod teacher;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};

use crate::gradebook::queries as gq;

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
    pub marks: gq::MarksAndWeights,
    pub scale: crate::domain::grades::GradeScale,
    pub records: gq::Records,
}

/// [`StudentTerm`] in one statement (`db::arrays_of`), instead of a round trip for each of
/// its four queries. Call only for a student the user may see.
pub fn student_term(
    conn: &mut PgConnection,
    student_id: i64,
    school_id: i64,
    term: i64,
    from: NaiveDate,
    today: NaiveDate,
) -> QueryResult<StudentTerm> {
    use crate::parents::queries as pq;
    let (marks_sql, records_sql) = gq::student_work_sql(student_id);
    let body = crate::db::arrays_of(&[
        Some(pq::TALLY_SQL),
        Some(&marks_sql),
        Some(gq::BANDS_SQL),
        Some(&records_sql),
    ]);
    static PARAMS: std::sync::OnceLock<Vec<(&str, &str)>> = std::sync::OnceLock::new();
    let params = crate::db::joined_params(
        &PARAMS,
        &[
            pq::TALLY_PARAMS,
            gq::BANDS_PARAMS,
            gq::MARKS_AND_WEIGHTS_PARAMS,
            gq::STUDENTS_RECORDS_PARAMS,
        ],
    );
    use crate::db::ArrayPart as Part;
    type Parts = (
        Option<Vec<(String, i64)>>,
        Option<Vec<gq::MarkOrWeightRow>>,
        Option<Vec<(String, f64)>>,
        Option<Vec<gq::RecordRow>>,
    );
    let query = crate::db::cached(params, body)
        .bind::<BigInt, _>(student_id)
        .bind::<Date, _>(from)
        .bind::<Date, _>(today)
        .bind::<BigInt, _>(school_id);
    // All work, published or not, without class averages; behaviour from the term's start.
    let (tally, marks, bands, records): Parts =
        gq::bind_student_work(query, student_id, term, false, false, from)
            .typed::<(
                Part<pq::TallySql>,
                Part<gq::MarkOrWeightSql>,
                Part<gq::BandSql>,
                Part<gq::RecordSql>,
            )>()
            .get_result(conn)?;
    Ok(StudentTerm {
        tally: pq::tally_of(tally.unwrap_or_default()),
        marks: gq::MarksAndWeights::from_rows(marks.unwrap_or_default()),
        scale: gq::scale_of(bands.unwrap_or_default()),
        records: gq::Records::from_rows(records.unwrap_or_default()),
    })
}
