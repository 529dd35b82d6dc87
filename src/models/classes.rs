//! Classes as a teacher sees them, and their rosters: read by registers, the gradebook and the
//! dashboards. Authorisation lives in the WHERE clauses.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

/// A class the teacher teaches, for the home page.
#[derive(Debug, QueryableByName)]
pub struct TaughtClass {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub grade_level: String,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub homeroom_teacher: Option<String>,
    /// Subjects this teacher teaches the class, comma-separated ("" for homeroom only).
    #[diesel(sql_type = Text)]
    pub my_subjects: String,
    #[diesel(sql_type = BigInt)]
    pub student_count: i64,
    /// The last day of this teacher's cover of the class, when covering.
    #[diesel(sql_type = Nullable<Date>)]
    pub covering_until: Option<NaiveDate>,
}

/// Every class the teacher teaches.
pub fn list_taught_classes(
    conn: &mut PgConnection,
    teacher_id: i64,
    on: NaiveDate,
) -> QueryResult<Vec<TaughtClass>> {
    crate::db::statement(include_str!("sql/list_taught_classes.sql"))
        .bind::<BigInt, _>(teacher_id)
        .bind::<Date, _>(on)
        .load(conn)
}

/// One class, if the teacher teaches it; otherwise NotFound (→ 404).
pub fn find_taught_class(
    conn: &mut PgConnection,
    teacher_id: i64,
    class_id: i64,
    on: NaiveDate,
) -> QueryResult<TaughtClass> {
    crate::db::statement(include_str!("sql/find_taught_class.sql"))
        .bind::<BigInt, _>(teacher_id)
        .bind::<Date, _>(on)
        .bind::<BigInt, _>(class_id)
        .get_result(conn)
}

/// A student on a class list.
#[derive(Debug, Clone, QueryableByName)]
pub struct RosterStudent {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub student_number: String,
    #[diesel(sql_type = Text)]
    pub given_name: String,
    #[diesel(sql_type = Text)]
    pub family_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub preferred_name: Option<String>,
}

/// Active students enrolled in the class on `on`, by family name. The caller has already checked
/// that the teacher teaches the class.
pub fn list_class_students(
    conn: &mut PgConnection,
    class_id: i64,
    on: NaiveDate,
) -> QueryResult<Vec<RosterStudent>> {
    crate::db::statement(include_str!("sql/list_class_students.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<Date, _>(on)
        .load(conn)
}

/// Whether the teacher teaches (homeroom or subject) a class the student is enrolled in on `on`.
pub fn teaches_student(
    conn: &mut PgConnection,
    teacher_id: i64,
    student_id: i64,
    on: NaiveDate,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let found: Found = crate::db::statement(include_str!("sql/teaches_student.sql"))
        .bind::<BigInt, _>(teacher_id)
        .bind::<BigInt, _>(student_id)
        .bind::<Date, _>(on)
        .get_result(conn)?;
    Ok(found.found)
}

/// The gradebooks (subjects) a teacher has in a class, for the class page.
#[derive(Debug, Clone, QueryableByName)]
pub struct SubjectLink {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
}

pub fn list_taught_subjects(
    conn: &mut PgConnection,
    class_id: i64,
    teacher: i64,
    today: NaiveDate,
) -> QueryResult<Vec<SubjectLink>> {
    crate::db::statement(include_str!("sql/list_taught_subjects.sql"))
        .bind::<BigInt, _>(class_id)
        .bind::<BigInt, _>(teacher)
        .bind::<Date, _>(today)
        .load(conn)
}
