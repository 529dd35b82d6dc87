//! Sign-in, sign-out and the account page.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::accounts::busy::BusyLog;
use crate::accounts::passwords::Passwords;
use crate::accounts::queries::{self, LoginAttempt, LoginOutcome};
use crate::db;
use crate::domain::throttle::{self, Verdict, WaitReason};
use crate::domain::{EmailAddress, NewPassword};
use crate::error::AppError;
use crate::web::auth::{end_session, session_user, start_session, CurrentUser, Role};
use crate::web::layout::{flash, render, render_status, see_other, Layout};
use crate::web::session_store::KEY_AUTH_VERSION;
use crate::AppState;

/// The one message for every wrong email/password combination.
pub const BAD_CREDENTIALS: &str = "That email and password do not match an active account.";

mod account;
mod sessions;
mod sign_in;

pub use account::*;
pub use sessions::*;
pub use sign_in::*;
