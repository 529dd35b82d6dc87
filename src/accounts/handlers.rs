//! Sign-in, sign-out and the account page.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::accounts::busy::BusyLog;
use crate::accounts::passwords::Passwords;
use crate::accounts::queries::{self, LoginAttempt, LoginOutcome};
use crate::db;
use crate::domain::throttle::{self, Verdict, WaitReason};
use crate::domain::{EmailAddress, NewPassword};
use crate::error::AppError;
use crate::web::auth::{end_session, session_user, start_session, CurrentUser, Role};
use crate::web::layout::{flash, render, render_status, see_other, Layout};
use crate::web::session_store::KEY_AUTH_VERSION;
use crate::AppState;

/// The one message for every wrong email/password combination.
pub const BAD_CREDENTIALS: &str = "That email and password do not match an active account.";

/// `/`: the signed-in user's home, or the sign-in page.
pub async fn home_redirect(session: Session) -> HttpResponse {
    match session_user(&session) {
        Some(user) => see_other(user.role.home()),
        None => see_other("/login"),
    }
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
    password_set: Option<String>,
}

fn login_page(
    req: &HttpRequest,
    state: &AppState,
    email: String,
    next: Option<String>,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let page = LoginPage {
        layout: Layout::new(req, state, "Sign in"),
        email,
        next,
        error,
        notice,
    };
    // A browser without the pre-session cookie gets one, bound to the form's token.
    page.layout.attach_cookie(render_status(&page, status)?)
}

pub async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    query: crate::web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let next = crate::web::safe_next(query.next.as_deref());
    if let Some(user) = session_user(&session) {
        return Ok(see_other(next.as_deref().unwrap_or(user.role.home())));
    }
    let notice = if query.expired.is_some() {
        Some("Your sign-in form expired. Please sign in again.".to_string())
    } else if query.signed_out.is_some() {
        Some("You have signed out.".to_string())
    } else if query.password_set.is_some() {
        Some("Your password is set. Sign in with it now.".to_string())
    } else {
        None
    };
    login_page(
        &req,
        &state,
        String::new(),
        next,
        None,
        notice,
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn client_details(req: &HttpRequest, state: &AppState) -> (Option<String>, Option<String>) {
    let ip = crate::web::client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    let ua = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(400).collect());
    (ip, ua)
}

/// 429: every hashing slot is busy.
fn busy_answer(
    req: &HttpRequest,
    state: &AppState,
    typed_email: String,
    next: Option<String>,
) -> Result<HttpResponse, AppError> {
    let retry_after = crate::accounts::passwords::BUSY_RETRY_AFTER;
    let message = format!(
        "Rollbook is busy signing other people in. Try again in {}.",
        plural(retry_after, "second")
    );
    too_many_attempts(req, state, typed_email, next, message, retry_after)
}

/// The sign-in form again with status 429, a message and `Retry-After`.
fn too_many_attempts(
    req: &HttpRequest,
    state: &AppState,
    email: String,
    next: Option<String>,
    message: String,
    retry_after: u64,
) -> Result<HttpResponse, AppError> {
    let mut response = login_page(
        req,
        state,
        email,
        next,
        Some(message),
        None,
        StatusCode::TOO_MANY_REQUESTS,
    )?;
    response.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(retry_after),
    );
    Ok(response)
}

fn plural(n: u64, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// What a person reads when they must wait.
pub fn wait_message(seconds: u64, reason: WaitReason) -> String {
    let when = if seconds > 90 {
        plural(seconds.div_ceil(60), "minute")
    } else {
        plural(seconds, "second")
    };
    match reason {
        WaitReason::Account => format!("Too many failed sign-ins for this account. Try again in {when}."),
        WaitReason::Locked => format!(
            "This account is locked after too many failed sign-ins. Try again in {when}, or ask the school office to unlock it."
        ),
        WaitReason::Address => format!("Too many failed sign-ins from your network. Try again in {when}."),
    }
}

#[tracing::instrument(skip_all)]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    passwords: web::Data<Passwords>,
    busy_log: web::Data<BusyLog>,
    session: Session,
    query: crate::web::Query<LoginQuery>,
    form: crate::web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let next = crate::web::safe_next(query.next.as_deref());
    let LoginForm { email, password } = form.into_inner();
    let typed_email = email.chars().take(254).collect::<String>();
    if email.trim().is_empty() || password.is_empty() {
        return login_page(
            &req,
            &state,
            typed_email,
            next,
            Some("Enter your email address and password.".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let normalised = EmailAddress::parse(&email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email.trim().to_lowercase().chars().take(254).collect());
    let (ip, user_agent) = client_details(&req, &state);
    let now = state.clock.now();

    // Every hashing slot taken: refuse at once, before any database work, and record the
    // attempt through the batched log (one INSERT a second, however big the storm).
    if passwords.busy() {
        busy_log.push(crate::accounts::busy::BusyAttempt {
            at: now,
            email: normalised.clone(),
            ip: ip.clone(),
            user_agent: user_agent.clone(),
        });
        return busy_answer(&req, &state, typed_email, next);
    }

    let (lookup, lookup_ip) = (normalised.clone(), ip.clone());
    let (candidate, recent) = db::run(&state.pool, move |conn| {
        Ok((
            queries::find_login_candidate(conn, &lookup)?,
            queries::recent_failures(conn, &lookup, lookup_ip.as_deref(), now)?,
        ))
    })
    .await?;
    let user_id = candidate.as_ref().map(|c| c.id);
    let record = |outcome: LoginOutcome, lock_until| {
        let (email, ip, user_agent) = (normalised.clone(), ip.clone(), user_agent.clone());
        db::run(&state.pool, move |conn| {
            Ok(queries::record_login_attempt(
                conn,
                &LoginAttempt {
                    at: now,
                    user_id,
                    email: &email,
                    ip: ip.as_deref(),
                    user_agent: user_agent.as_deref(),
                    outcome,
                    lock_until,
                },
            )?)
        })
    };

    // Throttled attempts are answered before any password hashing.
    if let Verdict::Wait { seconds, reason } = throttle::decide(&recent, now) {
        record(LoginOutcome::Throttled, None).await?;
        let message = wait_message(seconds, reason);
        return too_many_attempts(&req, &state, typed_email, next, message, seconds);
    }

    // The connection is back in the pool before argon2 runs.
    let usable = candidate.as_ref().filter(|c| c.active);
    let stored_hash = usable.and_then(|c| c.password_hash.clone());
    let verified = passwords.verify(stored_hash, password).await;

    match verified {
        Ok(true) => {
            record(LoginOutcome::Success, None).await?;
            let user = usable.expect("verified implies an active account");
            let role: Role = user
                .role
                .parse()
                .map_err(|_| AppError::Unexpected(format!("unknown role {}", user.role)))?;
            start_session(
                &session,
                user.id,
                user.auth_version,
                ip.clone(),
                user_agent.clone(),
            )?;
            tracing::info!(user_id = user.id, "signed in");
            Ok(see_other(next.as_deref().unwrap_or(role.home())))
        }
        Ok(false) => {
            let failures = recent.email_failures + 1;
            let lock_until = (user_id.is_some() && throttle::locks_account(failures))
                .then(|| now + throttle::LOCK_FOR);
            record(LoginOutcome::BadCredentials, lock_until).await?;
            login_page(
                &req,
                &state,
                typed_email,
                next,
                Some(BAD_CREDENTIALS.into()),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(AppError::TooManyRequests { .. }) => {
            record(LoginOutcome::Busy, None).await?;
            busy_answer(&req, &state, typed_email, next)
        }
        Err(other) => Err(other),
    }
}

pub async fn logout(session: Session) -> HttpResponse {
    end_session(&session);
    let mut response = see_other("/login?signed_out=1");
    // Browsers may keep signed-in pages in their back/forward cache despite no-store; clear it
    // so Back after signing out shows nothing private.
    response.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("clear-site-data"),
        actix_web::http::header::HeaderValue::from_static("\"cache\""),
    );
    response
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    layout: Layout,
    details: queries::AccountDetails,
    role_label: &'static str,
    errors: BTreeMap<&'static str, String>,
    /// For parents: each child and whether absence emails are wanted.
    prefs: Vec<(i64, String, bool)>,
    is_parent: bool,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

async fn account_page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    errors: BTreeMap<&'static str, String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (user_id, is_parent) = (user.id, user.role == Role::Parent);
    let (details, prefs) = db::run(&state.pool, move |conn| {
        let prefs = if is_parent {
            queries::list_notification_prefs(conn, user_id)?
        } else {
            Vec::new()
        };
        Ok((queries::find_account(conn, user_id)?, prefs))
    })
    .await?;
    let page = AccountPage {
        layout: Layout::new(req, state, "My account"),
        details,
        role_label: user.role.label(),
        errors,
        prefs,
        is_parent,
    };
    render_status(&page, status)
}

pub async fn show_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    account_page(&req, &state, &user, BTreeMap::new(), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[tracing::instrument(skip_all, fields(user_id = user.id))]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    passwords: web::Data<Passwords>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = BTreeMap::new();
    let new_password = match NewPassword::parse(&form.new_password, &[&user.email, &user.name]) {
        Ok(p) => Some(p),
        Err(message) => {
            errors.insert("new_password", message.to_string());
            None
        }
    };
    if form.new_password != form.confirm_password {
        errors.insert(
            "confirm_password",
            "The two new passwords are not the same.".into(),
        );
    }
    if form.current_password.is_empty() {
        errors.insert("current_password", "Enter your current password.".into());
    }
    if !errors.is_empty() {
        return account_page(
            &req,
            &state,
            &user,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let user_id = user.id;
    let stored = db::run(&state.pool, move |conn| {
        Ok(queries::find_account(conn, user_id)?.password_hash)
    })
    .await?;
    if !passwords.verify(stored, form.current_password).await? {
        errors.insert(
            "current_password",
            "That is not your current password.".into(),
        );
        return account_page(
            &req,
            &state,
            &user,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let new_password = new_password.expect("validated above");
    let hash = passwords.hash(new_password.expose().to_string()).await?;
    let keep = user.session_id.clone();
    let at = state.clock.now();
    let version = db::run(&state.pool, move |conn| {
        Ok(queries::update_password(conn, user_id, &hash, &keep, at)?)
    })
    .await?;
    session
        .insert(KEY_AUTH_VERSION, version)
        .map_err(|e| AppError::Unexpected(format!("session: {e}")))?;
    flash(
        &session,
        "Your password has been changed. You have been signed out everywhere else.",
    );
    Ok(see_other("/account"))
}

/// A session as the sessions page shows it.
struct SessionRow {
    public_id: String,
    device: String,
    ip: String,
    signed_in: String,
    last_seen: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "accounts/sessions.html")]
struct SessionsPage {
    layout: Layout,
    sessions: Vec<SessionRow>,
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

#[derive(Debug, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    phone: String,
}

/// Changes the signed-in user's own contact details.
pub async fn update_details(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    let phone = form.phone.trim().to_string();
    if !phone.is_empty()
        && (phone.chars().count() > 40
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c)))
    {
        let errors = BTreeMap::from([(
            "phone",
            "Enter a phone number using digits, spaces and + - ( ) only.".to_string(),
        )]);
        return account_page(
            &req,
            &state,
            &user,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (user_id, at) = (user.id, state.clock.now());
    db::run(&state.pool, move |conn| {
        Ok(queries::update_phone(
            conn,
            user_id,
            (!phone.is_empty()).then_some(phone.as_str()),
            at,
        )?)
    })
    .await?;
    flash(&session, "Your contact details are saved.");
    Ok(see_other("/account"))
}

/// A parent chooses which children they receive absence emails about.
pub async fn update_notifications(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    if user.role != Role::Parent {
        return Err(AppError::Forbidden);
    }
    let wanted: Vec<i64> = form
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("notify_").and_then(|id| id.parse().ok()))
        .collect();
    let parent_id = user.id;
    db::run(&state.pool, move |conn| {
        Ok(queries::update_notification_prefs(
            conn, parent_id, &wanted,
        )?)
    })
    .await?;
    flash(&session, "Your email choices are saved.");
    Ok(see_other("/account"))
}
