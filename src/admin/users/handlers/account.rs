//! A user's page, and what the office does to their account: deactivate, reactivate, send a password link.

use super::*;

#[derive(Template)]
#[template(path = "admin/users/show.html")]
pub(super) struct UserPage {
    pub(super) layout: Layout,
    pub(super) person: UserDetails,
    pub(super) is_self: bool,
    /// The viewer may change this person here (not an administrator or another principal).
    pub(super) can_edit: bool,
}

pub(super) async fn find_in_scope(
    state: &AppState,
    user: &CurrentUser,
    user_id: i64,
) -> Result<UserDetails, AppError> {
    let scope = SchoolScope::of(user);
    db::run(&state.pool, move |conn| {
        Ok(queries::find_user(conn, scope, user_id)?)
    })
    .await
}

pub async fn show_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let person = find_in_scope(&state, &user, path.into_inner().0).await?;
    let title = person.display_name.clone();
    render(&UserPage {
        layout: Layout::new(&req, &state, title),
        is_self: person.id == user.id,
        can_edit: grantable_roles(&user)
            .iter()
            .any(|r| r.as_str() == person.role),
        person,
    })
}

pub(super) async fn change_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    user_id: i64,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let person = find_in_scope(&state, &user, user_id).await?;
    if !grantable_roles(&user)
        .iter()
        .any(|r| r.as_str() == person.role)
    {
        return Err(AppError::Forbidden);
    }
    let scope = SchoolScope::of(&user);
    let actor = actor(&req, &state, &user);
    let result = db::run(&state.pool, move |conn| {
        Ok(queries::set_active(conn, scope, user_id, active, &actor))
    })
    .await?;
    match result {
        Ok(()) => flash(
            &session,
            if active {
                "The account is active again."
            } else {
                "The account is deactivated and signed out everywhere."
            },
        ),
        Err(Refusal::LastAdmin) => flash(
            &session,
            "This is the last active administrator: it cannot be deactivated.",
        ),
        Err(Refusal::Database(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    }
    Ok(see_other(&format!("/admin/users/{user_id}")))
}

pub async fn deactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    change_active(req, state, user, session, path.into_inner().0, false).await
}

pub async fn reactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    change_active(req, state, user, session, path.into_inner().0, true).await
}

pub async fn send_reset_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let user_id = path.into_inner().0;
    let scope = SchoolScope::of(&user);
    let actor = actor(&req, &state, &user);
    let (inviter, public_url) = (user.name.clone(), state.settings.public_url.clone());
    match db::run(&state.pool, move |conn| {
        Ok(queries::send_link(
            conn,
            scope,
            user_id,
            &actor,
            &inviter,
            &public_url,
        ))
    })
    .await?
    {
        Ok(()) => {}
        Err(Refusal::Database(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    }
    state.mailer.wake.notify_one();
    flash(
        &session,
        "A link to choose a password is on its way by email.",
    );
    Ok(see_other(&format!("/admin/users/{user_id}")))
}
