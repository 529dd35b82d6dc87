//! Accounts: sign-in and sign-out, the account page and password changes.
//! Open to everyone (sign-in) and to every signed-in user (their own account).

pub mod busy;
pub mod device;
pub mod handlers;
pub mod passwords;
pub mod queries;
pub mod reset;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(handlers::home_redirect))
        .route("/login", web::get().to(handlers::login_form))
        .route("/login", web::post().to(handlers::login))
        .route("/logout", web::post().to(handlers::logout))
        .route("/password-reset", web::get().to(reset::request_form))
        .route("/password-reset", web::post().to(reset::request_link))
        .route(
            "/password-reset/{token}",
            web::get().to(reset::set_password_form),
        )
        .route(
            "/password-reset/{token}",
            web::post().to(reset::set_password),
        )
        .route("/account", web::get().to(handlers::show_account))
        .route(
            "/account/password",
            web::post().to(handlers::change_password),
        )
        .route("/account/details", web::post().to(handlers::update_details))
        .route(
            "/account/notifications",
            web::post().to(handlers::update_notifications),
        )
        .route("/account/sessions", web::get().to(handlers::list_sessions))
        .route(
            "/account/sessions/revoke-others",
            web::post().to(handlers::revoke_other_sessions),
        )
        .route(
            "/account/sessions/{session_id}/revoke",
            web::post().to(handlers::revoke_session),
        );
}
