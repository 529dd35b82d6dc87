//! The page frame every screen shares (landmarks, per-role navigation, flash message, CSRF token
//! for htmx) and the helpers that turn an askama page into a response.

use actix_session::{Session, SessionExt};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppError;
use crate::web::auth::{session_user, Role, SessionUser};
use crate::AppState;

const FLASH_KEY: &str = "flash";

/// One entry of the navigation bar.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the base template needs besides the page's own content.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<SessionUser>,
    pub csrf_token: String,
    pub nav: Vec<NavLink>,
    pub flash: Option<String>,
    /// The pre-session cookie a signed-out form's token is bound to, when the browser has none.
    pub pending_cookie: Option<actix_web::cookie::Cookie<'static>>,
}

fn nav_for(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Admin | Role::Principal => &[
            ("/dashboard", "Dashboard"),
            ("/admin", "Setup"),
            ("/admin/users", "People"),
            ("/admin/students", "Students"),
            ("/admin/attendance", "Attendance"),
            ("/admin/settings", "Settings"),
            ("/admin/audit", "Audit trail"),
        ],
        Role::Teacher => &[
            ("/teacher", "My classes"),
            ("/teacher/dashboard", "My dashboard"),
        ],
        Role::Parent => &[("/parent", "My children")],
    }
}

impl Layout {
    /// The layout for a signed-in page (or a public one: then `user` is None).
    pub fn new(req: &HttpRequest, state: &AppState, title: impl Into<String>) -> Self {
        let session = req.get_session();
        let user = session_user(&session);
        let (csrf_token, pending_cookie) = crate::web::csrf::token_for(req, state);
        let path = req.path();
        // The most specific link that contains this page is the current one.
        let contains = |href: &str| path == href || path.starts_with(&format!("{href}/"));
        let nav = user
            .as_ref()
            .map(|u| {
                let links: Vec<(&'static str, &'static str)> = nav_for(u.role)
                    .iter()
                    .copied()
                    .chain(std::iter::once(("/account", "My account")))
                    .collect();
                let current = links
                    .iter()
                    .filter(|(href, _)| contains(href))
                    .map(|(href, _)| *href)
                    .max_by_key(|href| href.len());
                links
                    .into_iter()
                    .map(|(href, label)| NavLink {
                        href,
                        label,
                        current: Some(href) == current,
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Removing a key marks the session changed (a database write), so only when there is one.
        let flash = (user.is_some() && session.contains_key(FLASH_KEY))
            .then(|| session.remove_as::<String>(FLASH_KEY).and_then(Result::ok))
            .flatten()
            .or_else(|| saved_notice(req.query_string()));
        Self {
            title: title.into(),
            user,
            csrf_token,
            nav,
            flash,
            pending_cookie,
        }
    }

    /// Adds the pre-session cookie (if this page made one) to the page's response.
    pub fn attach_cookie(&self, mut response: HttpResponse) -> Result<HttpResponse, AppError> {
        if let Some(cookie) = &self.pending_cookie {
            response
                .add_cookie(cookie)
                .map_err(|e| AppError::Unexpected(format!("cookie: {e}")))?;
        }
        Ok(response)
    }

    /// A frame with no user, for error pages rendered without a request.
    pub fn bare(title: &str) -> Self {
        Self {
            title: title.to_string(),
            user: None,
            csrf_token: String::new(),
            nav: Vec::new(),
            flash: None,
            pending_cookie: None,
        }
    }
}

/// The query parameter a save's redirect carries instead of a flash message: a flash is a write
/// to the session (a second durable commit per save), a parameter costs nothing.
const SAVED_PARAM: &str = "saved";

/// "Saved N marks." for a page reached through [`see_other_saved`].
fn saved_notice(query: &str) -> Option<String> {
    let n: usize = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == SAVED_PARAM)?
        .1
        .parse()
        .ok()?;
    Some(match n {
        0 => "Nothing to save: everything already said this.".to_string(),
        1 => "Saved 1 mark.".to_string(),
        n => format!("Saved {n} marks."),
    })
}

/// 303 to `location` telling it how many marks were saved (shown as the page's message).
pub fn see_other_saved(location: &str, written: usize) -> HttpResponse {
    let sep = if location.contains('?') { '&' } else { '?' };
    see_other(&format!("{location}{sep}{SAVED_PARAM}={written}"))
}

/// Leaves a one-time message for the next page this user sees.
pub fn flash(session: &Session, message: impl Into<String>) {
    let _ = session.insert(FLASH_KEY, message.into());
}

/// Renders a page with the given status.
pub fn render_status<T: Template>(page: &T, status: StatusCode) -> Result<HttpResponse, AppError> {
    Ok(html_response(status, render_string(page, T::SIZE_HINT)?))
}

/// A page rendered into one buffer of about `bytes` (a large grid knows its size better than the
/// template's hint), so that it is not copied each time the buffer doubles; off the HTTP worker
/// if need be.
pub fn render_string<T: Template>(page: &T, bytes: usize) -> Result<String, AppError> {
    let mut html = String::with_capacity(bytes);
    page.render_into(&mut html)?;
    Ok(html)
}

/// An HTML answer of a rendered page.
pub fn html_response(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// Renders a page with 200 OK.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    render_status(page, StatusCode::OK)
}

/// 303 See Other to `location` (the answer to a successful form POST).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

/// The page shown for every error status.
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub message: String,
    pub reference: Option<String>,
}

pub fn render_error_page(page: &ErrorPage) -> String {
    page.render().unwrap_or_else(|_| {
        "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_string()
    })
}

#[cfg(test)]
mod saved_tests {
    use super::saved_notice;

    #[test]
    fn the_saved_parameter_becomes_a_message_and_nothing_else_does() {
        assert_eq!(saved_notice("saved=30").as_deref(), Some("Saved 30 marks."));
        assert_eq!(
            saved_notice("term=4&saved=1").as_deref(),
            Some("Saved 1 mark.")
        );
        assert!(saved_notice("saved=0")
            .unwrap()
            .starts_with("Nothing to save"));
        assert_eq!(saved_notice("saved=<script>"), None);
        assert_eq!(saved_notice("term=4"), None);
    }
}
