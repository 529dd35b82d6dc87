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

impl FromRequest for Hx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Hx::from_request(req)))
    }
}
