//! The teacher portal's home and class pages, and the registers (`register/`) teachers and the office take.
//! Teachers only; every query is scoped to classes the teacher teaches (homeroom or subject).

pub mod codes;
pub mod handlers;
pub mod office;
pub mod register;

/// The register pages' handlers under their former name, which `office.rs` still uses.
pub use register::handlers as registers;

use actix_web::web;

/// Routes under `/teacher` (the scope guard admits teachers only).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(handlers::teacher_home))
        .route("/classes/{class_id}", web::get().to(handlers::show_class))
        .route(
            "/students/{student_id}",
            web::get().to(handlers::show_student),
        )
        .configure(register_routes);
}

/// The register's routes; the same handlers serve `/teacher/…` and the office's `/admin/…`.
pub fn register_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/classes/{class_id}/attendance/{date}",
        web::get().to(register::handlers::show_register),
    )
    .route(
        "/classes/{class_id}/attendance/{date}",
        web::post().to(register::handlers::save_register),
    )
    .route(
        "/classes/{class_id}/attendance/{date}/students/{student_id}",
        web::post().to(register::handlers::save_mark),
    );
}
