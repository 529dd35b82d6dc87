//! Student queries for the office. Every query filters on the user's `SchoolScope`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::admin::queries::Matches;
use crate::admin::students::forms::StudentValues;
use crate::audit::{self, Actor, NewAuditEntry};
use crate::models::schools::SchoolScope;
use crate::models::students::{find_student, StudentRecord};
use crate::schema::{
    academic_years, classes, emergency_contacts, enrolments, guardians, parent_students, students,
};

pub const PAGE_SIZE: i64 = 50;

mod delete;
mod list;
mod parents;
mod write;

pub use delete::*;
pub use list::*;
pub use parents::*;
pub use write::*;
