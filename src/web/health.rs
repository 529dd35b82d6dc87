//! Liveness and readiness. Outside the session middleware: they never touch the sessions table.

use actix_web::{web, HttpResponse};

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

/// Requests can be served: a probe goes through the requests' own queue within two seconds and
/// its connection answers. 503 while the database is unreachable or the queue is stuck; recovers
/// by itself. A load balancer asks often and must hear "no" quickly.
async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match crate::db::serving(&state.pool, std::time::Duration::from_secs(2)).await {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Err(e) => {
            tracing::warn!(error = ?e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("not ready")
        }
    }
}
