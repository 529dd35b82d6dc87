//! `/admin/users` pages.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::admin::users::queries::{
    self, Refusal, UserDetails, UserFilter, UserRow, UserValues, PAGE_SIZE,
};
use crate::audit::actor;
use crate::db;
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::web::layout::{flash, render, render_status, see_other, Layout};
use crate::web::{CurrentUser, Hx, Role};
use crate::AppState;

/// Roles the signed-in user may give: admins any, principals teacher and parent only.
pub(super) fn grantable_roles(user: &CurrentUser) -> &'static [Role] {
    match user.role {
        Role::Admin => &Role::ALL,
        _ => &[Role::Teacher, Role::Parent],
    }
}

mod account;
mod form;
mod forms;
mod list;

pub use account::*;
pub use form::*;
pub use forms::*;
pub use list::*;
