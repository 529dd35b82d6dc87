//! Children as their parent sees them.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Double, Nullable, Text, Timestamptz};

use crate::models::work::SchoolRules;

/// One of the parent's children.
#[derive(Debug, QueryableByName)]
pub struct Child {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub given_name: String,
    #[diesel(sql_type = Text)]
    pub family_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub preferred_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub class_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub homeroom_teacher: Option<String>,
    #[diesel(sql_type = Text)]
    pub relationship: String,
}

impl Child {
    /// The name the child goes by.
    pub fn first_name(&self) -> &str {
        self.preferred_name.as_deref().unwrap_or(&self.given_name)
    }
}

/// The parent's viewable children, with today's class.
pub fn list_children(
    conn: &mut PgConnection,
    parent_id: i64,
    on: NaiveDate,
) -> QueryResult<Vec<Child>> {
    crate::db::statement(include_str!("sql/list_children.sql"))
        .bind::<BigInt, _>(parent_id)
        .bind::<Date, _>(on)
        .load(conn)
}

/// One child of this parent, or NotFound (another family's child, or `may_view` off).
pub fn find_child(
    conn: &mut PgConnection,
    parent_id: i64,
    student_id: i64,
    on: NaiveDate,
) -> QueryResult<Child> {
    crate::db::statement(include_str!("sql/find_child.sql"))
        .bind::<BigInt, _>(parent_id)
        .bind::<Date, _>(on)
        .bind::<BigInt, _>(student_id)
        .get_result(conn)
}

/// One child of this parent with what every page about the child needs: the school's rules and
/// current term, the start of the academic year and the grade scale, in one statement.
pub struct ChildOverview {
    pub child: Child,
    /// With the school-local today.
    pub rules: SchoolRules,
    pub year_start: Option<NaiveDate>,
    pub scale: crate::domain::grades::GradeScale,
}

#[derive(QueryableByName)]
struct OverviewRow {
    #[diesel(embed)]
    child: Child,
    #[diesel(embed)]
    rules: SchoolRules,
    #[diesel(sql_type = Nullable<Date>)]
    year_start: Option<NaiveDate>,
    #[diesel(sql_type = Array<Text>)]
    band_letters: Vec<String>,
    #[diesel(sql_type = Array<Double>)]
    band_mins: Vec<f64>,
}

/// [`ChildOverview`]; NotFound for another family's child (or `may_view` off).
pub fn child_overview(
    conn: &mut PgConnection,
    parent_id: i64,
    student_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<ChildOverview> {
    let row: OverviewRow = crate::db::statement(include_str!("sql/find_child_overview.sql"))
        .bind::<BigInt, _>(parent_id)
        .bind::<BigInt, _>(student_id)
        .bind::<Timestamptz, _>(now)
        .get_result(conn)?;
    Ok(ChildOverview {
        child: row.child,
        rules: row.rules,
        year_start: row.year_start,
        scale: crate::models::work::scale_of(
            row.band_letters.into_iter().zip(row.band_mins).collect(),
        ),
    })
}

/// The absence or late arrival `attendance_id` of `student_id`, a child `parent_id` may see:
/// NotFound when it is not one (another family's, another child's, or a present mark).
pub fn find_reason_target(
    conn: &mut PgConnection,
    parent_id: i64,
    student_id: i64,
    attendance_id: i64,
) -> QueryResult<()> {
    use crate::schema::{attendance as a, attendance_codes as ac, parent_students as ps};
    a::table
        .inner_join(ac::table.on(ac::id.eq(a::code_id)))
        .inner_join(ps::table.on(ps::student_id.eq(a::student_id)))
        .filter(a::id.eq(attendance_id))
        .filter(a::student_id.eq(student_id))
        .filter(ac::category.eq_any(["absent", "late"]))
        .filter(ps::parent_id.eq(parent_id))
        .filter(ps::may_view)
        .select(a::id)
        .first::<i64>(conn)
        .map(|_| ())
}

/// Records a parent's reason for an absence of their own child, found by
/// [`find_reason_target`] first; false when a reason is already waiting for the office.
pub fn insert_reason(
    conn: &mut PgConnection,
    parent_id: i64,
    attendance_id: i64,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<bool> {
    let inserted = crate::db::statement(include_str!("sql/insert_reason.sql"))
        .bind::<BigInt, _>(parent_id)
        .bind::<BigInt, _>(attendance_id)
        .bind::<Text, _>(reason.to_string())
        .bind::<Timestamptz, _>(now)
        .execute(conn)?;
    Ok(inserted == 1)
}
