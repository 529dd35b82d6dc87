//! `/admin` pages.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::admin::queries::{self, LockedAccount, SchoolCounts};
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::web::layout::{flash, render, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct OverviewPage {
    layout: Layout,
    schools: Vec<SchoolCounts>,
    district_wide: bool,
    total_students: i64,
    total_teachers: i64,
    total_classes: i64,
}

pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let today = state.clock.now().date_naive();
    let schools = db::run(&state.pool, move |conn| {
        Ok(queries::list_school_counts(conn, scope, today)?)
    })
    .await?;
    let total = |pick: fn(&SchoolCounts) -> i64| schools.iter().map(pick).sum();
    render(&OverviewPage {
        layout: Layout::new(&req, &state, "Setup"),
        total_students: total(|s| s.students),
        total_teachers: total(|s| s.teachers),
        total_classes: total(|s| s.classes),
        schools,
        district_wide: matches!(scope, SchoolScope::District),
    })
}

#[derive(Template)]
#[template(path = "admin/locked_accounts.html")]
struct LockedAccountsPage {
    layout: Layout,
    accounts: Vec<LockedAccount>,
}

/// `/admin/users/locked`: accounts locked by failed sign-ins, with an Unlock button each.
pub async fn list_locked_accounts(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (scope, now) = (SchoolScope::of(&user), state.clock.now());
    let accounts = db::run(&state.pool, move |conn| {
        Ok(queries::list_locked_accounts(conn, scope, now)?)
    })
    .await?;
    render(&LockedAccountsPage {
        layout: Layout::new(&req, &state, "Locked accounts"),
        accounts,
    })
}

use crate::audit::actor;

pub async fn unlock_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: actix_session::Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let target = path.into_inner().0;
    let scope = SchoolScope::of(&user);
    let actor = actor(&req, &state, &user);
    db::run(&state.pool, move |conn| {
        Ok(queries::unlock_account(conn, scope, target, &actor)?)
    })
    .await?;
    flash(
        &session,
        "The account is unlocked. Its owner can sign in again now.",
    );
    Ok(see_other("/admin/users/locked"))
}
