//! School structure: schools, academic years and terms, non-school days, subjects, classes,
//! teacher assignments and cover. Admins manage every school (and alone create schools);
//! principals their own school, whose records are the only ones their queries can find.
//!
//! The pages list records with a small form per row (edit in place) and a form to add one. A
//! refused form comes back with status 422, the message beside the field and the typing kept.

pub mod assignments;
pub mod calendar;
pub mod classes;
pub mod schools;
pub mod subjects;
pub mod terms;

use actix_web::web;
use diesel::prelude::*;

use crate::audit::audit_change;
use crate::models::schools::{check_school, schools_in_scope};
use crate::web::form_state::{answer, unique_violation, FormState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    schools::routes(cfg);
    terms::routes(cfg);
    calendar::routes(cfg);
    subjects::routes(cfg);
    classes::routes(cfg);
    assignments::routes(cfg);
}

/// `?school=`: an admin's choice of one school on a page that lists a school's records
/// (principals always see their own).
#[derive(Debug, serde::Deserialize, Default)]
pub struct SchoolQuery {
    pub school: Option<String>,
}

/// The school whose list a refused form goes back to: the school of what was chosen
/// (`school`, 0 if nothing valid was), or else the one the form was on (its `school` field).
pub fn school_of_form(state: &FormState, school: i64) -> Option<String> {
    match school {
        0 => Some(state.get("school").to_string()),
        id => Some(id.to_string()),
    }
}

/// Serialises structure changes within one school for the rest of the transaction, so two
/// overlapping years or terms cannot both pass their checks.
pub fn lock_school(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
    crate::db::statement(include_str!("sql/lock_school.sql"))
        .bind::<diesel::sql_types::Integer, _>(school_id as i32)
        .execute(conn)
        .map(|_| ())
}
