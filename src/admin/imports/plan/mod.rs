//! What an import would do, row by row, decided against the database without writing anything;
//! and applying it, all rows or none, in one transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::parse::{Problem, Row};
use crate::admin::students::forms::{self, ContactRow, GuardianRow, StudentForm, StudentValues};
use crate::admin::students::queries as students;
use crate::audit::Actor;
use crate::domain::EmailAddress;
use crate::models::schools::SchoolScope;
use crate::schema::{emergency_contacts, enrolments, guardians, users};
use crate::web::Role;

pub const STUDENT_REQUIRED: &[&str] = &["student_number", "given_name", "family_name"];
pub const STUDENT_COLUMNS: &[&str] = &[
    "student_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "enrolled_on",
    "class",
    "medical_notes",
    "allergies",
    "guardian1_name",
    "guardian1_relationship",
    "guardian1_phone",
    "guardian1_email",
    "guardian2_name",
    "guardian2_relationship",
    "guardian2_phone",
    "guardian2_email",
];
/// Columns the student import accepts: its own, and the two extra ones the export adds (ignored).
pub const STUDENT_ALLOWED: &[&str] = &[
    "student_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender",
    "enrolled_on",
    "class",
    "medical_notes",
    "allergies",
    "guardian1_name",
    "guardian1_relationship",
    "guardian1_phone",
    "guardian1_email",
    "guardian2_name",
    "guardian2_relationship",
    "guardian2_phone",
    "guardian2_email",
    "status",
    "school",
];
pub const PEOPLE_REQUIRED: &[&str] = &["email", "name", "role"];
pub const PEOPLE_COLUMNS: &[&str] = &["email", "name", "role", "phone"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Rejected,
}

impl Action {
    pub fn label(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "no change",
            Action::Rejected => "rejected",
        }
    }
}

/// One row's fate.
#[derive(Debug, Clone)]
pub struct Planned {
    pub line: usize,
    pub key: String,
    pub label: String,
    pub action: Action,
    pub problems: Vec<Problem>,
    /// Fields that will change (updates).
    pub changes: Vec<String>,
}

/// A student row to write: what to do, the values, and (id, version) when it exists.
pub type StudentWrite = (Action, StudentValues, Option<(i64, DateTime<Utc>)>);
/// An existing account: (id, name, role, phone, school).
pub(super) type ExistingUser = (i64, String, String, Option<String>, Option<i64>);

#[derive(Debug, Default)]
pub struct Plan {
    pub rows: Vec<Planned>,
    pub students: Vec<StudentWrite>,
    pub people: Vec<(Action, PersonValues, Option<i64>)>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.rows.iter().filter(|r| r.action == action).count()
    }

    pub fn problems(&self) -> usize {
        self.rows.iter().map(|r| r.problems.len()).sum()
    }
}

/// Which CSV column a form field's message belongs to.
pub(super) fn column_of(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("guardian_") {
        if let Some((name, i)) = rest.rsplit_once('_') {
            if let Ok(i) = i.parse::<usize>() {
                return format!("guardian{}_{name}", i + 1);
            }
        }
    }
    match field {
        "class_id" => "class".into(),
        other => other.into(),
    }
}

mod apply;
mod people_rows;
mod student_rows;

pub use apply::*;
pub use people_rows::*;
pub use student_rows::*;
