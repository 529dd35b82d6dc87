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

/// The SQL condition "teacher `t` teaches class c on date `on`": homeroom, any subject
/// assignment, or a cover assignment that includes the date.
pub fn teaches(t: &str, on: &str) -> String {
    format!(
        "(c.homeroom_teacher_id = {t}
          OR EXISTS (SELECT 1 FROM teacher_assignments ta WHERE ta.class_id = c.id AND ta.teacher_id = {t})
          OR EXISTS (SELECT 1 FROM cover_assignments ca WHERE ca.class_id = c.id AND ca.teacher_id = {t}
                       AND ca.starts_on <= {on} AND ca.ends_on >= {on}))"
    )
}

/// Classes the teacher teaches (all, or only `only`), with how many students are enrolled on `on`.
fn taught_classes(
    conn: &mut PgConnection,
    teacher_id: i64,
    on: NaiveDate,
    only: Option<i64>,
) -> QueryResult<Vec<TaughtClass>> {
    // One class is checked in place; all of them are found through the three indexed ways of
    // teaching a class (an `OR` of the three would scan every class of the district).
    let scope = match only {
        Some(_) => format!(
            "c.id = (SELECT p.only FROM p) AND {}",
            teaches("(SELECT p.teacher FROM p)", "(SELECT p.day FROM p)")
        ),
        None => "(SELECT p.only FROM p) IS NULL AND c.id IN (
                     SELECT hc.id FROM classes hc WHERE hc.homeroom_teacher_id = (SELECT p.teacher FROM p)
                     UNION SELECT ta.class_id FROM teacher_assignments ta WHERE ta.teacher_id = (SELECT p.teacher FROM p)
                     UNION SELECT ca.class_id FROM cover_assignments ca WHERE ca.teacher_id = (SELECT p.teacher FROM p)
                       AND ca.starts_on <= (SELECT p.day FROM p) AND ca.ends_on >= (SELECT p.day FROM p))"
            .to_string(),
    };
    crate::db::cached(
        &[("teacher", "bigint"), ("day", "date"), ("only", "bigint")],
        format!(
        "SELECT c.id, c.name, c.grade_level, s.name AS school_name, h.display_name AS homeroom_teacher,
                COALESCE((SELECT string_agg(sub.name, ', ' ORDER BY sub.name)
                            FROM teacher_assignments ta JOIN subjects sub ON sub.id = ta.subject_id
                           WHERE ta.class_id = c.id AND ta.teacher_id = (SELECT p.teacher FROM p)), '') AS my_subjects,
                (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
                  WHERE e.class_id = c.id AND st.status = 'active'
                    AND e.starts_on <= (SELECT p.day FROM p) AND (e.ends_on IS NULL OR e.ends_on >= (SELECT p.day FROM p))) AS student_count,
                (SELECT max(ca.ends_on) FROM cover_assignments ca
                  WHERE ca.class_id = c.id AND ca.teacher_id = (SELECT p.teacher FROM p)
                    AND ca.starts_on <= (SELECT p.day FROM p) AND ca.ends_on >= (SELECT p.day FROM p)) AS covering_until
           FROM classes c
           JOIN schools s ON s.id = c.school_id
           LEFT JOIN users h ON h.id = c.homeroom_teacher_id
          WHERE {scope}
          ORDER BY c.grade_level, c.name"
    ))
    .bind::<BigInt, _>(teacher_id)
    .bind::<Date, _>(on)
    .bind::<Nullable<BigInt>, _>(only)
    .load(conn)
}

/// Every class the teacher teaches.
pub fn list_taught_classes(
    conn: &mut PgConnection,
    teacher_id: i64,
    on: NaiveDate,
) -> QueryResult<Vec<TaughtClass>> {
    taught_classes(conn, teacher_id, on, None)
}

/// One class, if the teacher teaches it; otherwise NotFound (→ 404).
pub fn find_taught_class(
    conn: &mut PgConnection,
    teacher_id: i64,
    class_id: i64,
    on: NaiveDate,
) -> QueryResult<TaughtClass> {
    taught_classes(conn, teacher_id, on, Some(class_id))?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
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
    crate::db::cached(
        &[("class_id", "bigint"), ("day", "date")],
        "SELECT st.id, st.student_number, st.given_name, st.family_name, st.preferred_name
           FROM enrolments e JOIN students st ON st.id = e.student_id
          WHERE e.class_id = (SELECT p.class_id FROM p) AND st.status = 'active'
            AND e.starts_on <= (SELECT p.day FROM p) AND (e.ends_on IS NULL OR e.ends_on >= (SELECT p.day FROM p))
          ORDER BY st.family_name, st.given_name, st.id",
    )
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
    let found: Found = diesel::sql_query(format!(
        "SELECT EXISTS (
            SELECT 1 FROM enrolments e JOIN classes c ON c.id = e.class_id
             WHERE e.student_id = $2 AND e.starts_on <= $3 AND (e.ends_on IS NULL OR e.ends_on >= $3)
               AND {}) AS found",
        teaches("$1", "$3")
    ))
    .bind::<BigInt, _>(teacher_id)
    .bind::<BigInt, _>(student_id)
    .bind::<Date, _>(on)
    .get_result(conn)?;
    Ok(found.found)
}
