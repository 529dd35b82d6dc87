//! The teacher portal's home and class pages (registers arrive with the attendance issue).
//! Teachers only; every query is scoped to classes the teacher teaches (homeroom or subject).

pub mod handlers;
pub mod queries;

use actix_web::web;

/// Routes under `/teacher` (the scope guard admits teachers only).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(handlers::teacher_home))
        .route("/classes/{class_id}", web::get().to(handlers::show_class))
        .route(
            "/students/{student_id}",
            web::get().to(handlers::show_student),
        );
}
