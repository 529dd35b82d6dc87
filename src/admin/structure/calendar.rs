//! `/admin/calendar`: holidays and closures (no register is expected on them).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use super::{audit_change, schools_in_scope, FormState};
use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::schema::{non_school_days, schools};
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/calendar", web::get().to(list_days))
        .route("/calendar", web::post().to(create_days))
        .route("/calendar/{day_id}/delete", web::post().to(delete_days));
}

#[derive(Debug, Queryable)]
pub struct DayRange {
    pub id: i64,
    pub school_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub name: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "admin/structure/calendar.html")]
struct CalendarPage {
    layout: Layout,
    schools: Vec<(i64, String)>,
    days: Vec<DayRange>,
    state: FormState,
}

impl CalendarPage {
    fn picked(&self, field: &str, value: &str) -> bool {
        self.state.value("new", field, "") == value
    }
}

async fn page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (schools, days) = db::run(&app.pool, move |conn| {
        let mut q = non_school_days::table
            .inner_join(schools::table)
            .into_boxed();
        if let Some(id) = scope.filter() {
            q = q.filter(non_school_days::school_id.eq(id));
        }
        let days = q
            .order((non_school_days::starts_on, schools::name))
            .select((
                non_school_days::id,
                schools::name,
                non_school_days::starts_on,
                non_school_days::ends_on,
                non_school_days::name,
                non_school_days::kind,
            ))
            .load::<DayRange>(conn)?;
        Ok((schools_in_scope(conn, scope)?, days))
    })
    .await?;
    render_status(
        &CalendarPage {
            layout: Layout::new(req, app, "Holidays and closures"),
            schools,
            days,
            state,
        },
        status,
    )
}

pub async fn list_days(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    page(&req, &app, &user, FormState::default(), StatusCode::OK).await
}

pub async fn create_days(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let mut state = FormState::new("new", &form);
    let schools = db::run(&app.pool, move |conn| Ok(schools_in_scope(conn, scope)?)).await?;
    let ids: Vec<i64> = schools.iter().map(|(id, _)| *id).collect();
    let school = if ids.len() == 1 {
        ids[0]
    } else {
        state.choice("school_id", &ids, "Choose the school.")
    };
    let name = state.text("name", "name", 100);
    let from = state.date("starts_on");
    let to = if state.get("ends_on").is_empty() {
        from
    } else {
        state.date("ends_on")
    };
    if state.ok() && to < from {
        state.fail("ends_on", "The last day comes before the first.");
    }
    if state.ok() && (to - from).num_days() > 366 {
        state.fail("ends_on", "A closure longer than a year is not a closure.");
    }
    let kind = match state.get("kind") {
        "closure" => "closure",
        _ => "holiday",
    };
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let id: i64 = diesel::insert_into(non_school_days::table)
                .values((
                    non_school_days::school_id.eq(school),
                    non_school_days::starts_on.eq(from),
                    non_school_days::ends_on.eq(to),
                    non_school_days::name.eq(&name),
                    non_school_days::kind.eq(kind),
                ))
                .returning(non_school_days::id)
                .get_result(conn)?;
            audit_change(
                conn,
                &actor,
                "create",
                "non_school_day",
                id,
                school,
                None,
                Some(json!({ "name": name, "starts_on": from, "ends_on": to, "kind": kind })),
            )
        })?)
    })
    .await?;
    flash(&session, "Added to the calendar.");
    Ok(see_other("/admin/calendar"))
}

pub async fn delete_days(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let (scope, actor) = (SchoolScope::of(&user), actor(&req, &app, &user));
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let mut q = non_school_days::table.find(id).into_boxed();
            if let Some(own) = scope.filter() {
                q = q.filter(non_school_days::school_id.eq(own));
            }
            let (school, name, from, to): (i64, String, NaiveDate, NaiveDate) = q
                .select((
                    non_school_days::school_id,
                    non_school_days::name,
                    non_school_days::starts_on,
                    non_school_days::ends_on,
                ))
                .first(conn)?;
            diesel::delete(non_school_days::table.find(id)).execute(conn)?;
            audit_change(
                conn,
                &actor,
                "delete",
                "non_school_day",
                id,
                school,
                Some(json!({ "name": name, "starts_on": from, "ends_on": to })),
                None,
            )
        })?)
    })
    .await?;
    flash(&session, "Removed from the calendar.");
    Ok(see_other("/admin/calendar"))
}
