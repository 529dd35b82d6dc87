//! The office: the overview for admins (whole district) and principals (their own school).
//! Every query takes the signed-in user's scope; a principal never sees another school.

pub mod audit;
pub mod handlers;
pub mod imports;
pub mod outbox;
pub mod queries;
pub mod structure;
pub mod students;
pub mod users;

use actix_web::web;

/// Routes under `/admin` (the scope guard admits admins and principals).
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Fixed paths before `/users/{user_id}`, which would otherwise claim them.
    cfg.route("", web::get().to(handlers::overview))
        .route(
            "/users/locked",
            web::get().to(handlers::list_locked_accounts),
        )
        .route(
            "/users/{user_id}/unlock",
            web::post().to(handlers::unlock_account),
        )
        .configure(users::routes)
        .configure(audit::routes)
        .configure(students::routes)
        .configure(outbox::routes)
        .configure(structure::routes)
        .configure(imports::routes);
}
