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
            other => AppError::Unexpected(format!("database: {other}")),
        }
    }
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

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthenticated { .. } => StatusCode::SEE_OTHER,
            AppError::Conflict(_) => StatusCode::CONFLICT,
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
