//! How a student's average in a gradebook is made.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::domain::grades::{self, Explanation};
use crate::error::AppError;
use crate::web::layout::{render_status, Layout};
use crate::web::CurrentUser;
use crate::AppState;

use super::load::{base_url, display_name, load, Scope};
use super::page::TermQuery;

#[derive(Template)]
#[template(path = "gradebook/explain.html")]
pub struct ExplainPage {
    pub layout: Layout,
    pub heading: String,
    pub back_url: String,
    pub back_label: String,
    pub explanation: Explanation,
    pub letter: String,
    pub policy_note: String,
}

/// How a student's average in this gradebook was made.
pub async fn explain(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64, i64)>,
    query: crate::web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id, student_id) = path.into_inner();
    let scope = Scope {
        term: query.term,
        student: Some(student_id),
        ..Scope::default()
    };
    let d = load(&state, &user, class_id, subject_id, scope).await?;
    let explanation = d.explain(student_id);
    let name = d.students.first().map(display_name).unwrap_or_default();
    render_status(
        &ExplainPage {
            layout: Layout::new(&req, &state, format!("How {name}'s average is made")),
            heading: format!("{name}: {} average, {}", d.book.subject_name, d.term.name),
            back_url: format!("{}?term={}", base_url(class_id, subject_id), d.term.id),
            back_label: format!("{} {} gradebook", d.book.class_name, d.book.subject_name),
            letter: d.scale.letter_of(explanation.average),
            explanation,
            policy_note: grades::policy_note(d.book.missing_counts_as_zero),
        },
        StatusCode::OK,
    )
}
