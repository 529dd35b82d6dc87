//! The parent portal: a parent's own children and nothing else. Every query goes through
//! `parent_students` with `may_view`, so another family's child is a 404.

pub mod handlers;
pub mod queries;

use actix_web::web;

/// Routes under `/parent` (the scope guard admits parents only).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(handlers::parent_home))
        .route(
            "/children/{student_id}",
            web::get().to(handlers::show_child),
        )
        .route(
            "/children/{student_id}/subjects/{subject_id}",
            web::get().to(handlers::show_child_subject),
        )
        .route(
            "/children/{student_id}/absences/{attendance_id}/reason",
            web::post().to(handlers::send_reason),
        );
}
