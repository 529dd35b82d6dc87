//! `/password-reset`: ask for a link by email, then choose a new password through it. The same
//! pages complete invitations. Signed-out pages: CSRF uses the pre-session cookie.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::accounts::queries::{self, LoginAttempt, LoginOutcome};
use crate::db;
use crate::domain::{EmailAddress, NewPassword};
use crate::error::AppError;
use crate::models::tokens::{self, Purpose, ValidLink};
use crate::web::layout::{render_status, see_other, Layout};
use crate::AppState;

/// Reset requests per client address per hour.
pub const REQUESTS_PER_ADDRESS_PER_HOUR: i64 = 20;

#[derive(Template)]
#[template(path = "accounts/reset_request.html")]
struct RequestPage {
    layout: Layout,
    email: String,
    error: Option<String>,
    sent: bool,
}

fn request_page(
    req: &HttpRequest,
    state: &AppState,
    email: String,
    error: Option<String>,
    sent: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let page = RequestPage {
        layout: Layout::new(req, state, "Reset your password"),
        email,
        error,
        sent,
    };
    page.layout.attach_cookie(render_status(&page, status)?)
}

pub async fn request_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    request_page(&req, &state, String::new(), None, false, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    email: String,
}

/// Sends a link if the account exists; answers the same either way.
pub async fn request_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: crate::web::Form<RequestForm>,
) -> Result<HttpResponse, AppError> {
    let typed: String = form.email.chars().take(254).collect();
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(message) => {
            return request_page(
                &req,
                &state,
                typed,
                Some(message.to_string()),
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let ip = crate::web::client_ip(&req, &state.settings.trusted_proxies).map(|ip| ip.to_string());
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let now = state.clock.now();
    let public_url = state.settings.public_url.clone();
    let throttled = db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let recent: i64 = {
                use crate::schema::login_events;
                login_events::table
                    .filter(login_events::ip.eq(ip.as_deref().unwrap_or("")))
                    .filter(login_events::outcome.eq("reset_requested"))
                    .filter(login_events::at.gt(now - chrono::Duration::hours(1)))
                    .count()
                    .get_result(conn)?
            };
            let throttled = recent >= REQUESTS_PER_ADDRESS_PER_HOUR;
            let recipient = tokens::find_recipient(conn, email.as_str())?;
            queries::record_login_attempt(
                conn,
                &LoginAttempt {
                    at: now,
                    user_id: recipient.as_ref().map(|r| r.user_id),
                    email: email.as_str(),
                    ip: ip.as_deref(),
                    user_agent: user_agent.as_deref(),
                    outcome: if throttled {
                        LoginOutcome::ResetThrottled
                    } else {
                        LoginOutcome::ResetRequested
                    },
                    lock_until: None,
                },
            )?;
            if !throttled {
                if let Some(recipient) = recipient {
                    if tokens::recent_reset_count(conn, recipient.user_id, now)?
                        < tokens::RESETS_PER_HOUR
                    {
                        tokens::issue(conn, &recipient, Purpose::Reset, None, &public_url, now)?;
                    }
                }
            }
            Ok::<_, diesel::result::Error>(throttled)
        })?)
    })
    .await?;
    if throttled {
        return Err(AppError::TooManyRequests { retry_after: 3600 });
    }
    state.mailer.wake.notify_one();
    request_page(&req, &state, String::new(), None, true, StatusCode::OK)
}

use diesel::prelude::*;

#[derive(Template)]
#[template(path = "accounts/set_password.html")]
struct SetPasswordPage {
    layout: Layout,
    invitation: bool,
    email: String,
    errors: BTreeMap<&'static str, String>,
}

impl SetPasswordPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

#[derive(Template)]
#[template(path = "accounts/link_invalid.html")]
struct LinkInvalidPage {
    layout: Layout,
}

fn invalid_link(req: &HttpRequest, state: &AppState) -> Result<HttpResponse, AppError> {
    render_status(
        &LinkInvalidPage {
            layout: Layout::new(req, state, "This link does not work"),
        },
        StatusCode::NOT_FOUND,
    )
}

async fn valid_link(state: &AppState, token: String) -> Result<Option<ValidLink>, AppError> {
    let now = state.clock.now();
    db::run(&state.pool, move |conn| {
        Ok(tokens::find_valid(conn, &token, now)?)
    })
    .await
}

fn set_password_page(
    req: &HttpRequest,
    state: &AppState,
    link: &ValidLink,
    errors: BTreeMap<&'static str, String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let invitation = link.purpose == Purpose::Invite;
    let page = SetPasswordPage {
        layout: Layout::new(
            req,
            state,
            if invitation {
                "Choose your password"
            } else {
                "Choose a new password"
            },
        ),
        invitation,
        email: link.recipient.email.clone(),
        errors,
    };
    page.layout.attach_cookie(render_status(&page, status)?)
}

pub async fn set_password_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String,)>,
) -> Result<HttpResponse, AppError> {
    match valid_link(&state, path.into_inner().0).await? {
        Some(link) => set_password_page(&req, &state, &link, BTreeMap::new(), StatusCode::OK),
        None => invalid_link(&req, &state),
    }
}

#[derive(Debug, Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    passwords: web::Data<crate::accounts::passwords::Passwords>,
    path: web::Path<(String,)>,
    form: crate::web::Form<SetPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let Some(link) = valid_link(&state, path.into_inner().0).await? else {
        return invalid_link(&req, &state);
    };
    let mut errors = BTreeMap::new();
    let password = NewPassword::parse(
        &form.new_password,
        &[&link.recipient.email, &link.recipient.display_name],
    );
    if let Err(message) = &password {
        errors.insert("new_password", message.to_string());
    }
    if form.new_password != form.confirm_password {
        errors.insert(
            "confirm_password",
            "The two passwords are not the same.".to_string(),
        );
    }
    let Ok(password) = password else {
        return set_password_page(
            &req,
            &state,
            &link,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    if !errors.is_empty() {
        return set_password_page(
            &req,
            &state,
            &link,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    // Hash with no connection held.
    let hash = passwords.hash(password.expose().to_string()).await?;
    let (token_id, now) = (link.token_id, state.clock.now());
    let redeemed = db::run(&state.pool, move |conn| {
        Ok(tokens::redeem(conn, token_id, &hash, now)?)
    })
    .await?;
    if !redeemed {
        return invalid_link(&req, &state);
    }
    Ok(see_other("/login?password_set=1"))
}
