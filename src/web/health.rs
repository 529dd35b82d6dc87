//! Liveness and readiness. Outside the session middleware: they never touch the sessions table.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;

use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(live))
        .route("/health/ready", web::get().to(ready));
}

/// The process is up.
async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// The database answers. 503 while it does not; recovers by itself when it comes back.
async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    // A short wait: a load balancer asks often and must hear "no" quickly.
    let checked = web::block(move || -> Result<(), String> {
        let mut conn = pool
            .get_timeout(std::time::Duration::from_secs(1))
            .map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match checked {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Err(e) => {
            tracing::warn!(error = ?e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unavailable")
        }
    }
}
