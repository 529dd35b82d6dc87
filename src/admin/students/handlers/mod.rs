//! `/admin/students` pages.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::Connection;
use serde::Deserialize;

use crate::admin::queries::Matches;
use crate::admin::structure::SchoolQuery;
use crate::admin::students::forms::{self, ContactRow, FieldErrors, GuardianRow, StudentForm};
use crate::admin::students::queries::{
    self, DeletionImpact, Refusal, StudentFilter, StudentRow, PAGE_SIZE,
};
use crate::admin::students::queries::{LinkRefusal, ParentLink};
use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::models::students::StudentRecord;
use crate::web::layout::{flash, render, render_status, see_other, Layout};
use crate::web::{CurrentUser, Role};
use crate::AppState;

pub(super) fn today(state: &AppState) -> NaiveDate {
    state.clock.now().date_naive()
}

mod form;
mod list;
mod record;
mod status;

pub use form::*;
pub use list::*;
pub use record::*;
pub use status::*;
