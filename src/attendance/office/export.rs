//! `/admin/attendance/export.csv`: every student's counts and rate over a range.

use actix_web::{web, HttpResponse};

use super::rates::list_student_rates;
use super::{find_defaults, resolve_range, scope_of, RangeQuery};
use crate::db;
use crate::error::AppError;
use crate::models::schools::{picked_school, SchoolScope};
use crate::web::CurrentUser;
use crate::AppState;

/// Every student's counts and rate over the range, as CSV.
pub async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let asked = query.into_inner();
    // A file is no place for "the dates were changed": a date that cannot be kept is refused.
    for raw in [&asked.date, &asked.from, &asked.to].into_iter().flatten() {
        if !raw.is_empty() {
            crate::domain::dates::parse_day(raw).map_err(|e| AppError::Invalid(e.to_string()))?;
        }
    }
    let (user_scope, scope) = (SchoolScope::of(&user), scope_of(&user, &asked)?);
    let now = state.clock.now();
    let (from, to, rates) = db::run(&state.pool, move |conn| {
        // An admin's export of a school that does not exist is a 404, as its page is.
        picked_school(conn, user_scope, scope)?;
        let r = resolve_range(&find_defaults(conn, scope, now)?, &asked);
        let rates = list_student_rates(conn, scope.filter(), r.from, r.to)?;
        Ok((r.from, r.to, rates))
    })
    .await?;
    let body = crate::web::csv::to_csv(
        &[
            "student_number",
            "name",
            "school",
            "class",
            "present",
            "late",
            "absent",
            "excused",
            "attendance_rate_percent",
            "absence_streak_days",
        ],
        rates.iter().map(|s| {
            vec![
                s.student_number.clone(),
                s.name.clone(),
                s.school_name.clone(),
                s.class_name.clone().unwrap_or_default(),
                s.present.to_string(),
                s.late.to_string(),
                s.absent.to_string(),
                s.excused.to_string(),
                s.rate
                    .map(|r| format!("{:.1}", r * 100.0))
                    .unwrap_or_default(),
                s.streak.to_string(),
            ]
        }),
    );
    Ok(crate::web::csv::csv_response(
        &format!("attendance-{from}-to-{to}.csv"),
        body,
    ))
}
