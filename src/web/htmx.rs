//! htmx request detection. A fragment is served only when htmx asks for it and is not restoring
//! history; a direct visit to the same URL gets the whole page.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

/// Whether this request came from htmx (and wants a fragment).
#[derive(Debug, Clone, Copy)]
pub struct Hx {
    pub request: bool,
    pub history_restore: bool,
}

impl Hx {
    pub fn from_request(req: &HttpRequest) -> Self {
        let flag = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v == "true")
        };
        Self {
            request: flag("hx-request"),
            history_restore: flag("hx-history-restore-request"),
        }
    }

    pub fn wants_fragment(&self) -> bool {
        self.request && !self.history_restore
    }
}

/// The page, or the block of it that htmx asked for (`block`, e.g. `|p| p.as_roster().render()`),
/// with `Vary: HX-Request` on both, so no cache gives one for the other.
pub fn page_or_block<T: askama::Template>(
    hx: Hx,
    status: actix_web::http::StatusCode,
    page: &T,
    block: impl FnOnce(&T) -> askama::Result<String>,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    let html = if hx.wants_fragment() {
        block(page)?
    } else {
        crate::web::layout::render_string(page, T::SIZE_HINT)?
    };
    Ok(fragment_response(status, html))
}

/// An HTML answer that exists only for htmx (a row or cell after a save), with
/// `Vary: HX-Request`.
pub fn fragment_response(
    status: actix_web::http::StatusCode,
    html: String,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::VARY, "HX-Request"))
        .body(html)
}

impl FromRequest for Hx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Hx::from_request(req)))
    }
}
