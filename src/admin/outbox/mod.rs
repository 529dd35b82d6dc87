//! `/admin/outbox`: every email Rollbook has queued, with its delivery state. Admins see all;
//! principals the emails about their school. A failed email can be sent again.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::schema::outbox_emails;
use crate::web::layout::{flash, render, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

const PAGE_SIZE: i64 = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/outbox", web::get().to(list_outbox))
        .route("/outbox/{email_id}/retry", web::post().to(retry_email));
}

#[derive(Debug, Queryable)]
pub struct OutboxRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    layout: Layout,
    status: String,
    rows: Vec<OutboxRow>,
    counts: Vec<(String, i64)>,
}

pub async fn list_outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let status = match query.status.as_str() {
        "pending" | "sent" | "failed" => query.status.clone(),
        _ => String::new(),
    };
    let filter_status = status.clone();
    let (rows, counts) = db::run(&state.pool, move |conn| {
        let mut q = outbox_emails::table.into_boxed();
        if let Some(school) = scope.filter() {
            q = q.filter(outbox_emails::school_id.eq(school));
        }
        if !filter_status.is_empty() {
            q = q.filter(outbox_emails::status.eq(filter_status));
        }
        let rows = q
            .order(outbox_emails::id.desc())
            .limit(PAGE_SIZE)
            .select((
                outbox_emails::id,
                outbox_emails::created_at,
                outbox_emails::kind,
                outbox_emails::to_address,
                outbox_emails::subject,
                outbox_emails::status,
                outbox_emails::attempts,
                outbox_emails::last_error,
                outbox_emails::sent_at,
            ))
            .load(conn)?;
        let mut per_status = outbox_emails::table
            .group_by(outbox_emails::status)
            .select((outbox_emails::status, diesel::dsl::count_star()))
            .order(outbox_emails::status)
            .into_boxed();
        if let Some(school) = scope.filter() {
            per_status = per_status.filter(outbox_emails::school_id.eq(school));
        }
        let counts = per_status.load::<(String, i64)>(conn)?;

        Ok((rows, counts))
    })
    .await?;
    render(&OutboxPage {
        layout: Layout::new(&req, &state, "Outgoing email"),
        status,
        rows,
        counts,
    })
}

pub async fn retry_email(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let (scope, now) = (SchoolScope::of(&user), state.clock.now());
    let changed = db::run(&state.pool, move |conn| {
        let mut target = diesel::update(outbox_emails::table)
            .filter(outbox_emails::id.eq(id))
            .filter(outbox_emails::status.eq("failed"))
            .into_boxed();
        if let Some(school) = scope.filter() {
            target = target.filter(outbox_emails::school_id.eq(school));
        }
        Ok(target
            .set((
                outbox_emails::status.eq("pending"),
                outbox_emails::next_attempt_at.eq(now),
                outbox_emails::attempts.eq(0),
            ))
            .execute(conn)?)
    })
    .await?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    state.mailer.wake.notify_one();
    flash(&session, "The email will be sent again now.");
    Ok(see_other("/admin/outbox"))
}
