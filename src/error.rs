//! One error type for every layer. `Display` is the sentence a person reads; causes go to the
//! log. How it answers over HTTP is `web::error_page`.

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
