//! People: list, search, create (with an emailed invitation), edit, deactivate, reactivate and
//! send reset links. Admins manage everyone; principals the staff of their school and the parents
//! of its students, and may create only teacher and parent accounts. Nobody can deactivate or
//! demote the last active admin.

pub mod handlers;
pub mod queries;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(handlers::list_users))
        .route("/users/new", web::get().to(handlers::new_user_form))
        .route("/users", web::post().to(handlers::create_user))
        .route("/users/{user_id}", web::get().to(handlers::show_user))
        .route(
            "/users/{user_id}/edit",
            web::get().to(handlers::edit_user_form),
        )
        .route("/users/{user_id}", web::post().to(handlers::update_user))
        .route(
            "/users/{user_id}/deactivate",
            web::post().to(handlers::deactivate_user),
        )
        .route(
            "/users/{user_id}/reactivate",
            web::post().to(handlers::reactivate_user),
        )
        .route(
            "/users/{user_id}/send-reset",
            web::post().to(handlers::send_reset_link),
        );
}
