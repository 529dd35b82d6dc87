//! `/admin/attendance`: the office's view of attendance. Today's "not yet taken" board
//! (refreshing itself), the day's summary by class, rates over any range with the chronically
//! absent and those on an absence streak (under each school's own thresholds), parents' reasons
//! to accept or decline, and a CSV export. Admins see every school; principals their own.

mod export;
mod page;
mod rates;
mod reasons;

use actix_web::web;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Timestamptz};
use serde::Deserialize;

use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::web::CurrentUser;

pub use page::overview;

pub fn routes(cfg: &mut web::ServiceConfig) {
    crate::attendance::codes::routes(cfg);
    cfg.route("/attendance", web::get().to(page::overview))
        .route("/attendance/export.csv", web::get().to(export::export))
        .route(
            "/attendance/reasons/{reason_id}/accept",
            web::post().to(reasons::accept_reason),
        )
        .route(
            "/attendance/reasons/{reason_id}/decline",
            web::post().to(reasons::decline_reason),
        );
}

/// The office's "today" (the first school in scope's local date), the current term's start and
/// that school's thresholds for chronic absence.
#[derive(QueryableByName)]
struct Defaults {
    #[diesel(sql_type = Date)]
    today: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    term_start: Option<NaiveDate>,
    #[diesel(sql_type = Double)]
    below_percent: f64,
    #[diesel(sql_type = BigInt)]
    streak_days: i64,
}

fn find_defaults(
    conn: &mut PgConnection,
    scope: SchoolScope,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<Defaults> {
    crate::db::statement(include_str!("sql/find_office_defaults.sql"))
        .bind::<Nullable<BigInt>, _>(scope.filter())
        .bind::<Timestamptz, _>(now)
        .get_result(conn)
}

#[derive(Debug, Deserialize, Default)]
pub struct RangeQuery {
    date: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// An admin's choice of one school (principals always see their own).
    school: Option<String>,
}

/// Whose attendance a page shows: a principal's school; for an admin, the school they picked
/// (`?school=`, 404 if it is not a number) or else the whole district.
fn scope_of(user: &CurrentUser, q: &RangeQuery) -> Result<SchoolScope, AppError> {
    SchoolScope::of(user)
        .narrowed(q.school.as_deref())
        .ok_or(AppError::NotFound)
}

/// The one school a page narrowed to shows (an id no school has for a user with no school).
fn school_of(scope: SchoolScope) -> i64 {
    match scope {
        SchoolScope::School(id) => id,
        _ => -1,
    }
}

struct Range {
    date: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    error: Option<String>,
    /// The term to date, as nobody chose other dates.
    default: bool,
}

/// The dates asked for, or the defaults (today; the term to date).
fn resolve_range(d: &Defaults, q: &RangeQuery) -> Range {
    let parse = |raw: &Option<String>| {
        raw.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| crate::domain::dates::parse_day(s).map_err(|e| e.to_string()))
    };
    let mut error = None;
    let mut pick = |raw: &Option<String>, default: NaiveDate| match parse(raw) {
        None => default,
        Some(Ok(d)) => d,
        Some(Err(bad)) => {
            error = Some(bad);
            default
        }
    };
    let date = pick(&q.date, d.today);
    let from = pick(&q.from, d.term_start.unwrap_or(d.today));
    let to = pick(&q.to, d.today);
    if from > to {
        return Range {
            date,
            from: to,
            to: from,
            error: Some("The range was back to front; it is shown the right way round.".into()),
            default: false,
        };
    }
    Range {
        default: d.term_start == Some(from) && to == d.today,
        date,
        from,
        to,
        error,
    }
}
