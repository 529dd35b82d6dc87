//! `/admin` pages.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::admin::queries::{self, SchoolCounts, SchoolScope};
use crate::db;
use crate::error::AppError;
use crate::web::layout::{render, Layout};
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
        layout: Layout::new(&req, &state, "Overview"),
        total_students: total(|s| s.students),
        total_teachers: total(|s| s.teachers),
        total_classes: total(|s| s.classes),
        schools,
        district_wide: matches!(scope, SchoolScope::District),
    })
}
