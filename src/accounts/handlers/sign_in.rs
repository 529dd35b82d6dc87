//! Signing in (with the throttle's and the busy server's answers) and out.

use super::*;

/// `/`: the signed-in user's home, or the sign-in page.
pub async fn home_redirect(session: Session) -> HttpResponse {
    match session_user(&session) {
        Some(user) => see_other(user.role.home()),
        None => see_other("/login"),
    }
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub(super) struct LoginPage {
    pub(super) layout: Layout,
    pub(super) email: String,
    pub(super) next: Option<String>,
    pub(super) error: Option<String>,
    pub(super) notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub(super) next: Option<String>,
    pub(super) expired: Option<String>,
    pub(super) signed_out: Option<String>,
    pub(super) password_set: Option<String>,
}

pub(super) fn login_page(
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
    pub(super) email: String,
    #[serde(default)]
    pub(super) password: String,
}

pub(super) fn client_details(
    req: &HttpRequest,
    state: &AppState,
) -> (Option<String>, Option<String>) {
    let ip = crate::web::client_ip(req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    let ua = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(400).collect());
    (ip, ua)
}

/// 429: every hashing slot is busy.
pub(super) fn busy_answer(
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
pub(super) fn too_many_attempts(
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

pub(super) fn plural(n: u64, unit: &str) -> String {
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
