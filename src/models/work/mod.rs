//! A student's work in a term: marks with their weights, behaviour and participation records,
//! attendance, the school's rules and grade scale. Read by the gradebook's reports, the parent's
//! pages about a child and the office's student profile.

mod attendance;
mod marks;
mod records;
mod rules;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable, Text};

pub use attendance::{Absence, DayMark, StudentAttendance};
pub use marks::{
    marks_and_weights, subject_results, MarksAndWeights, PairWeight, StudentMark, SubjectResult,
};
pub use records::{list_class_records, BehaviourRecord, ParticipationRecord, Records};
pub use rules::{find_grade_scale, find_school_rules, scale_of, SchoolRules};

use crate::domain::grades::GradeScale;

/// What to read of one student's work; each part is left out when `None`. Call only for a
/// student the user may see.
#[derive(Debug, Clone, Copy)]
pub struct StudentWorkQuery {
    pub student_id: i64,
    pub attendance: Option<AttendanceWanted>,
    pub marks: Option<MarksWanted>,
    /// The school whose grade scale comes too.
    pub scale_of_school: Option<i64>,
    /// Behaviour and participation from this day.
    pub records_since: Option<NaiveDate>,
}

/// Attendance counted in a month and in a year; with `calendar`, the month's days and the
/// year's absences too.
#[derive(Debug, Clone, Copy)]
pub struct AttendanceWanted {
    pub month: (NaiveDate, NaiveDate),
    pub year: (NaiveDate, NaiveDate),
    pub calendar: bool,
}

/// A term's marks: published ones only (parents), and each assessment's class average.
#[derive(Debug, Clone, Copy)]
pub struct MarksWanted {
    pub term_id: i64,
    pub published_only: bool,
    pub class_means: bool,
}

/// What [`find_student_work`] found: `None` (or empty attendance) where it was not asked for.
pub struct StudentWork {
    pub attendance: StudentAttendance,
    pub marks: Option<MarksAndWeights>,
    pub scale: Option<GradeScale>,
    pub records: Option<Records>,
}

use crate::db::ArrayPart as Part;

#[derive(QueryableByName)]
struct WorkRow {
    #[diesel(sql_type = Part<attendance::AttendanceSql>)]
    attendance: Option<Vec<attendance::AttendanceTuple>>,
    #[diesel(sql_type = Part<marks::MarkSql>)]
    marks: Option<Vec<marks::MarkTuple>>,
    #[diesel(sql_type = Part<(Text, Double)>)]
    bands: Option<Vec<(String, f64)>>,
    #[diesel(sql_type = Part<records::RecordSql>)]
    records: Option<Vec<records::RecordTuple>>,
}

/// The parts of a student's work asked for, in one statement: a page made a round trip for each
/// before, which cost the server and PostgreSQL as much again as the queries themselves. Each
/// part comes back as an array of records, read into tuples here and nowhere else.
pub fn find_student_work(
    conn: &mut PgConnection,
    query: &StudentWorkQuery,
) -> QueryResult<StudentWork> {
    let attendance = query.attendance;
    let (month, year) = match attendance {
        Some(a) => (
            (Some(a.month.0), Some(a.month.1)),
            (Some(a.year.0), Some(a.year.1)),
        ),
        None => ((None, None), (None, None)),
    };
    let row: WorkRow = crate::db::statement(include_str!("../sql/find_student_work.sql"))
        .bind::<BigInt, _>(query.student_id)
        .bind::<Nullable<Date>, _>(month.0)
        .bind::<Nullable<Date>, _>(month.1)
        .bind::<Nullable<Date>, _>(year.0)
        .bind::<Nullable<Date>, _>(year.1)
        .bind::<Bool, _>(attendance.is_some_and(|a| a.calendar))
        .bind::<Nullable<BigInt>, _>(query.marks.map(|m| m.term_id))
        .bind::<Bool, _>(query.marks.is_some_and(|m| m.published_only))
        .bind::<Bool, _>(query.marks.is_some_and(|m| m.class_means))
        .bind::<Nullable<BigInt>, _>(query.scale_of_school)
        .bind::<Nullable<Date>, _>(query.records_since)
        .get_result(conn)?;
    Ok(StudentWork {
        attendance: StudentAttendance::from_rows(row.attendance.unwrap_or_default()),
        marks: query
            .marks
            .map(|_| MarksAndWeights::from_rows(rows_of(row.marks))),
        scale: query
            .scale_of_school
            .map(|_| scale_of(row.bands.unwrap_or_default())),
        records: query
            .records_since
            .map(|_| Records::from_rows(rows_of(row.records))),
    })
}

/// A part's records as its rows.
fn rows_of<T, R: From<T>>(part: Option<Vec<T>>) -> Vec<R> {
    part.unwrap_or_default().into_iter().map(R::from).collect()
}
