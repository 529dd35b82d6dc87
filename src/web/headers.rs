//! Security headers on every response, and `Cache-Control: no-store` on every page that is not a
//! static asset, so the back button after sign-out shows nothing private.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// No inline script or style anywhere; htmx is loaded from /static.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_static = req.path().starts_with("/static/");
    let is_health = req.path().starts_with("/health");
    let res = next.call(req).await?.map_into_boxed_body();
    let mut res = if is_health { res } else { own_error_page(res) };
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if is_static {
        // Vendor files carry their version in the name; our own CSS changes rarely.
        set(header::CACHE_CONTROL, "public, max-age=3600");
    } else {
        set(header::CACHE_CONTROL, "no-store");
    }
    Ok(res)
}

/// An error answered by the framework itself before any handler ran (a method the address does
/// not take, a body it cannot read) has a bare text body: Rollbook's own page replaces it, with
/// the same status and a sentence.
fn own_error_page(
    res: ServiceResponse<actix_web::body::BoxBody>,
) -> ServiceResponse<actix_web::body::BoxBody> {
    let status = res.status();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if status.as_u16() < 400 || is_html {
        return res;
    }
    let (req, old) = res.into_parts();
    let mut page = crate::web::error_page::page_for_status(status);
    for (name, value) in old.headers() {
        if name == header::ALLOW || name == header::RETRY_AFTER {
            page.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(req, page)
}
