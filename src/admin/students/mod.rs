//! Students: list and search, create and edit with guardians and emergency contacts, move between
//! classes (ending one enrolment and starting the next), withdraw and reinstate, and hard delete
//! (admins only, after a confirmation page listing what goes). Opening a student's page writes an
//! audit row.

pub mod forms;
pub mod handlers;
pub mod queries;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/students", web::get().to(handlers::list_students))
        .route("/students", web::post().to(handlers::create_student))
        .route("/students/new", web::get().to(handlers::new_student_form))
        .route("/students/new", web::post().to(handlers::create_student))
        .route(
            "/students/{student_id}",
            web::get().to(handlers::show_student),
        )
        .route(
            "/students/{student_id}",
            web::post().to(handlers::update_student),
        )
        .route(
            "/students/{student_id}/edit",
            web::get().to(handlers::edit_student_form),
        )
        .route(
            "/students/{student_id}/withdraw",
            web::post().to(handlers::withdraw_student),
        )
        .route(
            "/students/{student_id}/reinstate",
            web::post().to(handlers::reinstate_student),
        )
        .route(
            "/students/{student_id}/delete",
            web::get().to(handlers::confirm_delete_student),
        )
        .route(
            "/students/{student_id}/delete",
            web::post().to(handlers::delete_student),
        )
        .route(
            "/students/{student_id}/parents",
            web::post().to(handlers::link_parent),
        )
        .route(
            "/students/{student_id}/parents/{parent_id}/remove",
            web::post().to(handlers::unlink_parent),
        );
}
