//! HTTP plumbing every feature uses: sessions, the signed-in user and role guards, CSRF, htmx,
//! the page layout and security headers. Knows no feature.

pub mod auth;
pub mod chart;
pub mod csrf;
pub mod csv;
pub mod error_page;
pub mod form;
pub mod form_state;
pub mod headers;
pub mod health;
pub mod html;
pub mod htmx;
pub mod layout;
pub mod request_id;
pub mod session_store;
pub mod summary_age;

use std::net::IpAddr;

use base64::Engine;
use rand::RngCore;

pub use auth::{CurrentUser, Role};
pub use form::{Form, Query};
pub use htmx::Hx;
pub use layout::Layout;

/// `n` random bytes as URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The version a form carries back (a row's `updated_at`), so a save over a newer change is
/// recognised. Microsecond precision: it must round-trip to exactly the stored value.
pub fn version_token(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Reads a form's version token; None for a missing or altered one.
pub fn parse_version_token(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|v| v.to_utc())
}

/// Percent-encodes a query-string value.
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s[2..].to_string())
        .unwrap_or_default()
}

/// A path we may redirect to after sign-in: local, absolute, and not protocol-relative.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\\', '\r', '\n', '\t'])
        && !next.contains("://")
        && next.len() <= 2000;
    ok.then(|| next.to_string())
}

/// The client's address: the TCP peer, or the right-most untrusted `X-Forwarded-For` hop when
/// the peer is one of the trusted proxies.
pub fn client_ip(req: &actix_web::HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/teacher")).as_deref(), Some("/teacher"));
        assert_eq!(
            safe_next(Some("/parent/children/4?x=1")).as_deref(),
            Some("/parent/children/4?x=1")
        );
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil",
            "javascript:alert(1)",
            "/x\r\nSet-Cookie: a=b",
            "",
        ] {
            assert_eq!(safe_next(Some(evil)), None, "{evil:?} must not be followed");
        }
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn a_version_token_round_trips_to_the_microsecond() {
        let at = chrono::DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap();
        assert_eq!(parse_version_token(&version_token(at)), Some(at));
        assert_eq!(parse_version_token("yesterday"), None);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(urlencode("/a b?c=d&e"), "%2Fa+b%3Fc%3Dd%26e");
    }
}
