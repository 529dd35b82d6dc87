//! The account's sessions, and ending them.

use super::*;

/// A session as the sessions page shows it.
pub(super) struct SessionRow {
    pub(super) public_id: String,
    pub(super) device: String,
    pub(super) ip: String,
    pub(super) signed_in: String,
    pub(super) last_seen: String,
    pub(super) current: bool,
}

#[derive(Template)]
#[template(path = "accounts/sessions.html")]
pub(super) struct SessionsPage {
    pub(super) layout: Layout,
    pub(super) sessions: Vec<SessionRow>,
}

/// `/account/sessions`: where this account is signed in.
pub async fn list_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (user_id, now) = (user.id, state.clock.now());
    let rows = db::run(&state.pool, move |conn| {
        Ok(queries::list_active_sessions(conn, user_id, now)?)
    })
    .await?;
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut sessions: Vec<SessionRow> = rows
        .into_iter()
        .map(|s| SessionRow {
            current: s.public_id == user.session_id,
            device: crate::accounts::device::describe(s.user_agent.as_deref()),
            ip: s.ip.unwrap_or_else(|| "unknown".into()),
            signed_in: when(s.created_at),
            last_seen: when(s.last_seen_at),
            public_id: s.public_id,
        })
        .collect();
    // This device first.
    sessions.sort_by_key(|s| !s.current);
    render(&SessionsPage {
        layout: Layout::new(&req, &state, "Where you are signed in"),
        sessions,
    })
}

/// Ends one other session of the signed-in user (another user's session id is a 404).
pub async fn revoke_session(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(String,)>,
) -> Result<HttpResponse, AppError> {
    let target = path.into_inner().0;
    let (user_id, keep) = (user.id, user.session_id.clone());
    let ended = db::run(&state.pool, move |conn| {
        Ok(queries::delete_other_sessions(
            conn,
            user_id,
            &keep,
            Some(&target),
        )?)
    })
    .await?;
    if ended == 0 {
        return Err(AppError::NotFound);
    }
    flash(&session, "That session has been signed out.");
    Ok(see_other("/account/sessions"))
}

/// Ends every session of the signed-in user except this one.
pub async fn revoke_other_sessions(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let (user_id, keep) = (user.id, user.session_id.clone());
    let ended = db::run(&state.pool, move |conn| {
        Ok(queries::delete_other_sessions(conn, user_id, &keep, None)?)
    })
    .await?;
    flash(
        &session,
        match ended {
            0 => "You were not signed in anywhere else.".to_string(),
            1 => "1 other session has been signed out.".to_string(),
            n => format!("{n} other sessions have been signed out."),
        },
    );
    Ok(see_other("/account/sessions"))
}
