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

use std::collections::BTreeMap;

use actix_web::web;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::Value;

use crate::admin::queries::SchoolScope;
use crate::audit::{self, Actor, NewAuditEntry};
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    schools::routes(cfg);
    terms::routes(cfg);
    calendar::routes(cfg);
    subjects::routes(cfg);
    classes::routes(cfg);
    assignments::routes(cfg);
}

/// The form that failed on this page: which one, what was typed, and what is wrong.
#[derive(Debug, Default, Clone)]
pub struct FormState {
    pub key: String,
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

impl FormState {
    pub fn new(key: impl Into<String>, values: &[(String, String)]) -> Self {
        Self {
            key: key.into(),
            values: values.iter().cloned().collect(),
            errors: BTreeMap::new(),
        }
    }

    /// The value to show in `field` of form `key`: what was typed if that form failed, else `default`.
    pub fn value(&self, key: &str, field: &str, default: &str) -> String {
        if self.key == key {
            self.values.get(field).cloned().unwrap_or_default()
        } else {
            default.to_string()
        }
    }

    /// Whether choice `id` is the one selected in `field` of form `key`.
    pub fn picks(&self, key: &str, field: &str, current: &str, id: &i64) -> bool {
        self.value(key, field, current) == id.to_string()
    }

    pub fn error(&self, key: &str, field: &str) -> Option<&str> {
        (self.key == key)
            .then(|| self.errors.get(field).map(String::as_str))
            .flatten()
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn get(&self, field: &str) -> &str {
        self.values.get(field).map_or("", |v| v.trim())
    }

    /// A required text of at most `max` characters.
    pub fn text(&mut self, field: &str, label: &str, max: usize) -> String {
        let v = self.get(field).to_string();
        if v.is_empty() {
            self.fail(field, format!("Enter the {label}."));
        } else if v.chars().count() > max {
            self.fail(field, format!("The {label} has at most {max} characters."));
        } else if v.chars().any(char::is_control) {
            self.fail(
                field,
                format!("The {label} cannot contain control characters."),
            );
        }
        v
    }

    /// A required date (YYYY-MM-DD).
    pub fn date(&mut self, field: &str) -> NaiveDate {
        let raw = self.get(field).to_string();
        match crate::domain::dates::parse_day(&raw) {
            Ok(d) => d,
            Err(e) => {
                self.fail(
                    field,
                    if raw.is_empty() {
                        "Enter a date.".to_string()
                    } else {
                        e.to_string()
                    },
                );
                NaiveDate::MIN
            }
        }
    }

    /// An id that must be one of `allowed`.
    pub fn choice(&mut self, field: &str, allowed: &[i64], message: &str) -> i64 {
        match self
            .get(field)
            .parse::<i64>()
            .ok()
            .filter(|id| allowed.contains(id))
        {
            Some(id) => id,
            None => {
                self.fail(field, message);
                0
            }
        }
    }

    /// An optional id that, when given, must be one of `allowed`.
    pub fn optional_choice(&mut self, field: &str, allowed: &[i64], message: &str) -> Option<i64> {
        if self.get(field).is_empty() {
            None
        } else {
            Some(self.choice(field, allowed, message))
        }
    }
}

/// Writes an audit row for a structure record.
#[allow(clippy::too_many_arguments)]
pub fn audit_change(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    id: i64,
    school_id: i64,
    before: Option<Value>,
    after: Option<Value>,
) -> QueryResult<()> {
    audit::insert_entry(
        conn,
        &NewAuditEntry {
            at: actor.at,
            actor_id: Some(actor.user_id),
            ip: actor.ip.as_deref(),
            school_id: Some(school_id),
            action,
            entity,
            entity_id: Some(id),
            before,
            after,
        },
    )
}

/// Schools the user may work in, as (id, name).
pub fn schools_in_scope(
    conn: &mut PgConnection,
    scope: SchoolScope,
) -> QueryResult<Vec<(i64, String)>> {
    crate::admin::users::queries::list_schools(conn, scope)
}

/// The school a record belongs to, if it is in scope; NotFound otherwise.
pub fn check_school(scope: SchoolScope, school_id: i64) -> Result<(), AppError> {
    match scope.filter() {
        Some(own) if own != school_id => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

/// Answers a structure form once the write is done: back to `list` with `saved_message`; or,
/// when the database refused a duplicate, the form `again` with `duplicate.1` beside
/// `duplicate.0`.
pub async fn answer<F, Fut>(
    saved: QueryResult<()>,
    session: &actix_session::Session,
    saved_message: &str,
    list: &str,
    mut state: FormState,
    duplicate: (&str, &str),
    again: F,
) -> Result<actix_web::HttpResponse, AppError>
where
    F: FnOnce(FormState) -> Fut,
    Fut: std::future::Future<Output = Result<actix_web::HttpResponse, AppError>>,
{
    match saved {
        Ok(()) => {
            crate::web::layout::flash(session, saved_message);
            Ok(crate::web::layout::see_other(list))
        }
        Err(e) if unique_violation(&e) => {
            state.fail(duplicate.0, duplicate.1);
            again(state).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Maps a unique-constraint violation to a field message, other errors to AppError.
pub fn unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
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
    diesel::sql_query("SELECT pg_advisory_xact_lock(7262100, $1::int)")
        .bind::<diesel::sql_types::Integer, _>(school_id as i32)
        .execute(conn)
        .map(|_| ())
}
