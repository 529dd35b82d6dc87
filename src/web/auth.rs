//! Who is signed in, and which portal they may enter.
//!
//! `CurrentUser` is read from the session that `PgSessionStore` loaded (one query per request for
//! session and user together). `require_roles` guards a whole scope, so a handler cannot forget.

use std::future::{ready, Ready};
use std::str::FromStr;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::web::htmx::Hx;
use crate::web::session_store::{
    KEY_AUTH_VERSION, KEY_IP, KEY_LOADED_USER, KEY_USER_AGENT, KEY_USER_ID,
};

/// What a person is to Rollbook. Decides the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Principal,
    Teacher,
    Parent,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Principal, Role::Teacher, Role::Parent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Principal => "principal",
            Role::Teacher => "teacher",
            Role::Parent => "parent",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Principal => "Principal",
            Role::Teacher => "Teacher",
            Role::Parent => "Parent",
        }
    }

    /// Where this role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Admin | Role::Principal => "/dashboard",
            Role::Teacher => "/teacher",
            Role::Parent => "/parent",
        }
    }
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed-in person as the session store loaded them for this request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub role: Role,
    pub name: String,
    pub email: String,
    pub school_id: Option<i64>,
    /// The public id of this session (for listing and revoking sessions).
    pub session_id: String,
}

/// Extractor: the signed-in user, or a redirect to the sign-in page.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub SessionUser);

impl std::ops::Deref for CurrentUser {
    type Target = SessionUser;
    fn deref(&self) -> &SessionUser {
        &self.0
    }
}

/// The signed-in user of this session, if any.
pub fn session_user(session: &Session) -> Option<SessionUser> {
    session.get::<SessionUser>(KEY_LOADED_USER).ok().flatten()
}

fn unauthenticated(req: &HttpRequest) -> AppError {
    let hx = Hx::from_request(req);
    // For htmx, come back to the page the user was on, not to the fragment's URL.
    let current_page = hx
        .request
        .then(|| {
            req.headers()
                .get("hx-current-url")
                .and_then(|v| v.to_str().ok())
        })
        .flatten()
        .and_then(|url| url.find("://").map(|i| &url[i + 3..]))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()));
    let next = match current_page {
        Some(page) => page,
        None if req.method() == actix_web::http::Method::GET => req
            .uri()
            .path_and_query()
            .map_or_else(|| req.path().to_string(), |pq| pq.as_str().to_string()),
        None => String::new(),
    };
    AppError::Unauthenticated {
        next,
        htmx: hx.request,
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            session_user(&req.get_session())
                .map(CurrentUser)
                .ok_or_else(|| unauthenticated(req)),
        )
    }
}

/// Middleware for a portal scope: no session → sign in; another role → 403.
pub async fn require_roles(
    allowed: &'static [Role],
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let verdict = match session_user(&req.get_session()) {
        None => Err(unauthenticated(req.request())),
        Some(user) if !allowed.contains(&user.role) => Err(AppError::Forbidden),
        Some(_) => Ok(()),
    };
    match verdict {
        Ok(()) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(e) => Ok(req.error_response(e)),
    }
}

/// Starts a signed-in session under a new session id (the old one is discarded).
pub fn start_session(
    session: &Session,
    user_id: i64,
    auth_version: i32,
    ip: Option<String>,
    user_agent: Option<String>,
) -> Result<(), AppError> {
    let fail = |e: actix_session::SessionInsertError| AppError::Unexpected(format!("session: {e}"));
    session.clear();
    session.renew();
    session.insert(KEY_USER_ID, user_id).map_err(fail)?;
    session
        .insert(KEY_AUTH_VERSION, auth_version)
        .map_err(fail)?;
    session
        .insert(crate::web::csrf::SESSION_KEY, crate::web::random_token(32))
        .map_err(fail)?;
    session.insert(KEY_IP, ip).map_err(fail)?;
    session.insert(KEY_USER_AGENT, user_agent).map_err(fail)?;
    Ok(())
}

/// Ends the session on the server and removes the cookie.
pub fn end_session(session: &Session) {
    session.purge();
}
