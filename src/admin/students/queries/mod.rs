//! Student queries for the office. Every query filters on the user's `SchoolScope`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::admin::queries::{Matches, SchoolScope};
use crate::admin::students::forms::StudentValues;
use crate::audit::{self, Actor, NewAuditEntry};
pub use crate::models::students::{find_student, load_record, record_view, Student, StudentRecord};
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
