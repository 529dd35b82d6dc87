//! The schools a user may work in: their scope, and the reads every office page needs.

use diesel::prelude::*;

use crate::error::AppError;
use crate::schema::schools;
use crate::web::auth::{Role, SessionUser};

/// The schools a user may manage: all (admin) or their own (principal). Nothing for others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The scope of a page an admin may narrow to one school (`?school=`): the school asked
    /// for, or the user's own scope when none was. A principal's `?school=` changes nothing.
    /// `None` when what was asked for is not a school id (a 404).
    pub fn narrowed(self, asked: Option<&str>) -> Option<SchoolScope> {
        match (self, asked.filter(|s| !s.is_empty())) {
            (SchoolScope::District, Some(raw)) => raw.parse().ok().map(SchoolScope::School),
            (scope, _) => Some(scope),
        }
    }

    /// The `list` page to return to after a change in `school`: an admin goes back to that
    /// school's page, a principal to their own.
    pub fn list_url(self, list: &str, school: i64) -> String {
        match self {
            SchoolScope::District => format!("{list}?school={school}"),
            _ => list.to_string(),
        }
    }
}

/// The school an admin narrowed their page to (`scope`, from [`SchoolScope::narrowed`]) with
/// its name, to show and to keep in links; `NotFound` if there is no such school. `None` for a
/// principal (always their own school) and for the district.
pub fn picked_school(
    conn: &mut PgConnection,
    user_scope: SchoolScope,
    scope: SchoolScope,
) -> QueryResult<Option<(i64, String)>> {
    match (user_scope, scope) {
        (SchoolScope::District, SchoolScope::School(_)) => list_schools(conn, scope)?
            .pop()
            .map(Some)
            .ok_or(diesel::result::Error::NotFound),
        _ => Ok(None),
    }
}

/// Schools the user may assign people to.
pub fn list_schools(
    conn: &mut PgConnection,
    scope: SchoolScope,
) -> QueryResult<Vec<(i64, String)>> {
    let mut query = schools::table
        .select((schools::id, schools::name))
        .order(schools::name)
        .into_boxed();
    if let Some(id) = scope.filter() {
        query = query.filter(schools::id.eq(id));
    }
    query.load(conn)
}

/// Schools the user may work in, as (id, name).
pub fn schools_in_scope(
    conn: &mut PgConnection,
    scope: SchoolScope,
) -> QueryResult<Vec<(i64, String)>> {
    list_schools(conn, scope)
}

/// The school a record belongs to, if it is in scope; NotFound otherwise.
pub fn check_school(scope: SchoolScope, school_id: i64) -> Result<(), AppError> {
    match scope.filter() {
        Some(own) if own != school_id => Err(AppError::NotFound),
        _ => Ok(()),
    }
}
