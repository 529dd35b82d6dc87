//! Cross-site request forgery defence for every state-changing request.
//!
//! - A present `Origin` header must be our own public origin.
//! - The request must carry a token, in the `X-CSRF-Token` header (htmx sends it from
//!   `hx-headers` on `<body>`) or the `csrf_token` form field. Signed in, the token is the
//!   session's secret. Signed out (the sign-in and password-reset forms), it is an HMAC over a
//!   random cookie and a timestamp, valid for two hours.
//! - Failure is a friendly 403; on the sign-in form it is the form again with a message.

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};
use base64::Engine;
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::AppState;

/// Session key holding the signed-in session's token.
pub const SESSION_KEY: &str = "csrf";
/// Form field and header names.
pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// Cookie that binds signed-out form tokens to one browser.
pub const PRE_SESSION_COOKIE: &str = "rollbook_pre";
/// How long a signed-out form token stays valid.
pub const ANONYMOUS_TOKEN_TTL_SECS: i64 = 2 * 60 * 60;
/// Largest form body the check will read.
const MAX_FORM_BYTES: usize = 256 * 1024;
/// The sign-in form answers a failed check by showing itself again.
pub const LOGIN_PATH: &str = "/login";

type HmacSha256 = Hmac<Sha256>;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn mac(key: &[u8], nonce: &str, ts: i64) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    m.update(b"rollbook-csrf-v1|");
    m.update(nonce.as_bytes());
    m.update(b"|");
    m.update(&ts.to_be_bytes());
    m.finalize().into_bytes().to_vec()
}

/// The token for the page being rendered, and the cookie to set if the browser has none yet.
pub fn token_for(req: &HttpRequest, state: &AppState) -> (String, Option<Cookie<'static>>) {
    if let Ok(Some(token)) = req.get_session().get::<String>(SESSION_KEY) {
        return (token, None);
    }
    let (nonce, cookie) = match req.cookie(PRE_SESSION_COOKIE) {
        Some(c) if c.value().len() >= 16 => (c.value().to_string(), None),
        _ => {
            let nonce = crate::web::random_token(18);
            let cookie = Cookie::build(PRE_SESSION_COOKIE, nonce.clone())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.settings.env == crate::config::Environment::Production)
                .finish();
            (nonce, Some(cookie))
        }
    };
    let ts = state.clock.now().timestamp();
    let sig = mac(&state.settings.session_key, &nonce, ts);
    let mut raw = ts.to_be_bytes().to_vec();
    raw.extend_from_slice(&sig);
    (b64().encode(raw), cookie)
}

fn verify(req: &HttpRequest, state: &AppState, submitted: &str) -> bool {
    if let Ok(Some(expected)) = req.get_session().get::<String>(SESSION_KEY) {
        return bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()));
    }
    let Some(nonce) = req.cookie(PRE_SESSION_COOKIE) else {
        return false;
    };
    let Ok(raw) = b64().decode(submitted) else {
        return false;
    };
    if raw.len() != 8 + 32 {
        return false;
    }
    let ts = i64::from_be_bytes(raw[..8].try_into().expect("8 bytes"));
    let age = state.clock.now().timestamp() - ts;
    if !(-60..=ANONYMOUS_TOKEN_TTL_SECS).contains(&age) {
        return false;
    }
    let expected = mac(&state.settings.session_key, nonce.value(), ts);
    bool::from(expected.as_slice().ct_eq(&raw[8..]))
}

fn origin_ok(req: &HttpRequest, state: &AppState) -> bool {
    match req.headers().get(header::ORIGIN) {
        None => true,
        Some(origin) => origin
            .to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(&state.settings.public_origin())),
    }
}

fn is_urlencoded_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn is_multipart(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// Middleware: refuses state-changing requests without a valid token and origin.
pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let state = req
        .app_data::<actix_web::web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    if !origin_ok(req.request(), &state) {
        tracing::warn!(origin = ?req.headers().get(header::ORIGIN), "foreign Origin refused");
        return Ok(req.error_response(AppError::Csrf));
    }
    let mut submitted = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if submitted.is_none() && is_urlencoded_form(&req) {
        let mut payload = req.take_payload();
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > MAX_FORM_BYTES {
                return Ok(req.into_response(
                    actix_web::HttpResponse::PayloadTooLarge()
                        .content_type("text/plain; charset=utf-8")
                        .body("The form is too large."),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
        req.set_payload(actix_web::dev::Payload::from(Bytes::from(body)));
    }
    if submitted.is_none() && is_multipart(&req) {
        // File uploads cannot put the token in a header without JavaScript, and the body is a
        // stream the handler reads: the form's action carries it in the query string.
        submitted = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .ok()
            .and_then(|q| q.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
    }
    let valid = submitted.is_some_and(|token| verify(req.request(), &state, &token));
    if valid {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    tracing::warn!(path = %req.path(), "CSRF token missing or wrong");
    if req.path() == LOGIN_PATH {
        // An expired sign-in form is shown again with a message, not a bare error page.
        return Ok(req.into_response(
            actix_web::HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/login?expired=1"))
                .finish(),
        ));
    }
    Ok(req.error_response(AppError::Csrf))
}
