//! How an [`AppError`] answers over HTTP: its status and Rollbook's own error page (never its
//! cause), and the same page for errors the framework answers itself.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::error::AppError;
use crate::web::layout::{render_error_page, ErrorPage};

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
