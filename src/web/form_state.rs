//! The state of a page's small forms (edit in place, add one): which form failed, what was
//! typed, and the messages beside its fields.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::QueryResult;

use crate::error::AppError;

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
