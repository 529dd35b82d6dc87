//! Office queries, scoped to what the user may see.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

use crate::web::auth::{Role, SessionUser};

/// The schools a user may manage: all (admin) or their own (principal). Nothing for others.
#[derive(Debug, Clone, Copy)]
pub enum SchoolScope {
    District,
    School(i64),
    Nothing,
}

impl SchoolScope {
    pub fn of(user: &SessionUser) -> Self {
        match (user.role, user.school_id) {
            (Role::Admin, _) => SchoolScope::District,
            (Role::Principal, Some(id)) => SchoolScope::School(id),
            _ => SchoolScope::Nothing,
        }
    }

    /// The school id to filter on: NULL means every school; -1 matches none.
    pub fn filter(self) -> Option<i64> {
        match self {
            SchoolScope::District => None,
            SchoolScope::School(id) => Some(id),
            SchoolScope::Nothing => Some(-1),
        }
    }
}

/// Head counts for one school.
#[derive(Debug, QueryableByName)]
pub struct SchoolCounts {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub academic_year: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub students: i64,
    #[diesel(sql_type = BigInt)]
    pub teachers: i64,
    #[diesel(sql_type = BigInt)]
    pub principals: i64,
    #[diesel(sql_type = BigInt)]
    pub classes: i64,
}

/// Students (active), staff (active) and classes of the academic year that contains `on`, per
/// school in scope, counted in SQL.
pub fn list_school_counts(
    conn: &mut PgConnection,
    scope: SchoolScope,
    on: NaiveDate,
) -> QueryResult<Vec<SchoolCounts>> {
    diesel::sql_query(
        "SELECT s.id, s.name, ay.name AS academic_year,
                (SELECT count(*) FROM students st WHERE st.school_id = s.id AND st.status = 'active') AS students,
                (SELECT count(*) FROM users u WHERE u.school_id = s.id AND u.role = 'teacher' AND u.active) AS teachers,
                (SELECT count(*) FROM users u WHERE u.school_id = s.id AND u.role = 'principal' AND u.active) AS principals,
                (SELECT count(*) FROM classes c WHERE c.academic_year_id = ay.id) AS classes
           FROM schools s
           LEFT JOIN LATERAL (
                SELECT y.id, y.name FROM academic_years y
                 WHERE y.school_id = s.id AND y.starts_on <= $2 AND y.ends_on >= $2
                 ORDER BY y.starts_on DESC LIMIT 1) ay ON TRUE
          WHERE ($1::bigint IS NULL OR s.id = $1)
          ORDER BY s.name",
    )
    .bind::<Nullable<BigInt>, _>(scope.filter())
    .bind::<Date, _>(on)
    .load(conn)
}
