//! One error type at the HTTP edge. `Display` is the sentence a person reads; causes go to the log.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::web::layout::{render_error_page, ErrorPage};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("We could not find that page.")]
    NotFound,
    #[error("You do not have access to this page.")]
    Forbidden,
    /// No session, or an expired one; `next` is where to return after signing in.
    #[error("Please sign in.")]
    Unauthenticated { next: String, htmx: bool },
    /// The security check on a form failed (missing or wrong token, foreign origin).
    #[error("This form could not be accepted for your security. Go back, reload the page and try again.")]
    Csrf,
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {retry_after} seconds.")]
    TooManyRequests { retry_after: u64 },
    /// A form field or query parameter that is not text (broken UTF-8, NUL, control bytes).
    #[error("The field \u{201c}{0}\u{201d} contains characters that are not text (for example a NUL byte or broken UTF-8). Nothing was saved: go back, retype it and try again.")]
    InvalidText(String),
    /// A request Rollbook cannot read (a value that does not fit its field, a malformed body).
    #[error("Rollbook could not read this request: a value in the address or the form is not one it accepts. Go back and try again.")]
    BadRequest,
    /// A value refused with the sentence that says why (a filter's date out of range).
    #[error("{0}")]
    Invalid(String),
    #[error("The form or file is too large to accept.")]
    TooLarge,
    #[error("Rollbook cannot reach its database just now. Please try again in a minute.")]
    Unavailable(String),
    #[error("Something went wrong on our side.")]
    Unexpected(String),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            ) => AppError::Unavailable(info.message().to_string()),
            diesel::result::Error::DatabaseError(_, info) if connection_lost(info.message()) => {
                AppError::Unavailable(info.message().to_string())
            }
            // PostgreSQL stores no NUL in text: the request is refused whole, nothing stored.
            diesel::result::Error::DatabaseError(_, info)
                if info.message().contains("invalid byte sequence") =>
            {
                AppError::Invalid(NUL_REFUSED.into())
            }
            diesel::result::Error::SerializationError(e) if e.to_string().contains("nul byte") => {
                AppError::Invalid(NUL_REFUSED.into())
            }
            other => AppError::Unexpected(format!("database: {other}")),
        }
    }
}

const NUL_REFUSED: &str = "A field contains a NUL character, which is not text. Nothing was saved: go back, retype it and try again.";

/// PostgreSQL's words when it ends a connection (a restart, a terminated backend) or is not
/// taking any (starting up, shutting down): the database is unavailable, not the request wrong.
fn connection_lost(message: &str) -> bool {
    const SAID: [&str; 6] = [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "the database system is",
        "could not receive data from server",
        "could not send data to server",
    ];
    SAID.iter().any(|said| message.contains(said))
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("pool: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Unexpected(format!("template: {e}"))
    }
}

/// Rollbook's error page for a status the framework chose, with a sentence for it.
pub fn page_for_status(status: StatusCode) -> HttpResponse {
    let error = match status.as_u16() {
        404 => AppError::NotFound,
        403 => AppError::Forbidden,
        413 => AppError::TooLarge,
        429 => AppError::TooManyRequests { retry_after: 60 },
        503 => AppError::Unavailable("answered by the framework".into()),
        500..=599 => AppError::Unexpected(format!("framework answered {status}")),
        405 => AppError::Invalid("This address does not take that kind of request. Go back and use the page's own links and buttons.".into()),
        415 => AppError::Invalid("Rollbook could not read this form: it was not sent as a form. Go back and try again.".into()),
        _ => AppError::BadRequest,
    };
    let mut response = error.error_response();
    response.head_mut().status = status;
    response
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthenticated { .. } => StatusCode::SEE_OTHER,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::InvalidText(_) | AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Unauthenticated { next, htmx } => {
                let target = if next.is_empty() || next == "/" {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", crate::web::urlencode(next))
                };
                if *htmx {
                    // htmx would follow a 303 into the swap target; ask it to navigate instead.
                    return HttpResponse::Ok()
                        .insert_header(("HX-Redirect", target))
                        .finish();
                }
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, target))
                    .finish();
            }
            AppError::Unavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            _ => {}
        }
        let reference = match self {
            AppError::Unexpected(cause) => {
                let reference = crate::web::request_id::current()
                    .unwrap_or_else(|| crate::web::random_token(6));
                tracing::error!(%cause, %reference, "unexpected error");
                Some(reference)
            }
            _ => None,
        };
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Access denied",
            StatusCode::CONFLICT => "Someone else saved first",
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            StatusCode::SERVICE_UNAVAILABLE => "Temporarily unavailable",
            StatusCode::UNPROCESSABLE_ENTITY => "Nothing was saved",
            StatusCode::BAD_REQUEST => "Request not understood",
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            _ => "Something went wrong",
        };
        let page = ErrorPage {
            layout: crate::web::layout::Layout::bare(title),
            message: self.to_string(),
            reference,
        };
        let mut response = HttpResponse::build(status);
        if let AppError::TooManyRequests { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        response
            .content_type("text/html; charset=utf-8")
            .body(render_error_page(&page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(e: &AppError) -> (u16, String) {
        let response = e.error_response();
        let status = response.status().as_u16();
        let bytes = actix_web::body::to_bytes(response.into_body());
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .unwrap()
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[test]
    fn an_unexpected_error_shows_a_reference_and_never_its_cause() {
        let e = AppError::Unexpected("relation \"students\" does not exist at 10.0.0.5".into());
        let (status, body) = body_of(&e);
        assert_eq!(status, 500);
        assert!(body.contains("Something went wrong"));
        assert!(body.contains("quote reference"));
        assert!(!body.contains("students"), "internals never reach the page");
        assert!(!body.contains("10.0.0.5"));
    }

    #[test]
    fn database_outages_are_503_with_a_plain_message() {
        let e = AppError::Unavailable("pool: timed out".into());
        let (status, body) = body_of(&e);
        assert_eq!(status, 503);
        assert!(!body.contains("timed out"));
    }

    #[test]
    fn too_many_requests_says_when_to_retry() {
        let response = AppError::TooManyRequests { retry_after: 7 }.error_response();
        assert_eq!(response.status().as_u16(), 429);
        assert_eq!(response.headers().get("retry-after").unwrap(), "7");
    }
}
