//! Insight: the school and district dashboards, the early-warning list, student profiles and the
//! teacher's dashboard, answered from summaries that a background task refreshes.

pub mod handlers;
pub mod queries;
pub mod refresh;

use actix_web::web;

use crate::AppState;

/// Routes under `/dashboard` (the scope guard admits principals and admins).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(handlers::dashboard))
        .route("/at-risk", web::get().to(handlers::at_risk))
        .route("/at-risk.csv", web::get().to(handlers::at_risk_csv))
        .route("/high-performers", web::get().to(handlers::high_performers))
        .route("/students/{student_id}", web::get().to(handlers::student));
}

/// Routes under `/teacher` (the scope guard admits teachers).
pub fn teacher_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/dashboard", web::get().to(handlers::teacher));
}

/// Rebuilds the summaries when due (at once if there are none) and then every `insight_secs`.
pub fn spawn_refresh(state: &AppState) {
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let every = std::time::Duration::from_secs(state.settings.insight_secs);
        // After a restart, summaries younger than the interval are kept until they are due.
        let now = state.clock.now();
        let last = crate::db::run_background(&state.pool, |conn| {
            Ok(crate::models::insight::find_last_refresh(conn)?)
        })
        .await
        .ok()
        .flatten();
        let wait = last
            .map(|at| {
                (at + chrono::Duration::from_std(every).unwrap_or_default() - now)
                    .to_std()
                    .unwrap_or_default()
            })
            .unwrap_or_default()
            .min(every);
        let mut tick =
            actix_web::rt::time::interval_at(actix_web::rt::time::Instant::now() + wait, every);
        loop {
            tick.tick().await;
            let now = state.clock.now();
            let result = crate::db::run_background(&state.pool, move |conn| {
                Ok(refresh::refresh(conn, now)?)
            })
            .await;
            match result {
                Ok(ms) => tracing::info!(took_ms = ms, "insight summaries refreshed"),
                Err(e) => tracing::warn!(error = ?e, "insight refresh failed"),
            }
        }
    });
}
