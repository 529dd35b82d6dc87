//! The mark-entry grid itself (`/teacher/classes/{c}/subjects/{s}/gradebook`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db;
use crate::domain::grades;
use crate::error::AppError;
use crate::gradebook::queries::ScoreRow;
use crate::models::classes::RosterStudent;
use crate::web::layout::{html_response, render_string, Layout};
use crate::web::CurrentUser;
use crate::AppState;

use super::cells::{CellView, Typed};
use super::load::{base_url, display_name, load_in, Loaded, Scope};

#[derive(Template)]
#[template(path = "gradebook/book.html")]
struct BookPage {
    layout: Layout,
    d: Loaded,
    base_url: String,
    typed: Typed,
    averages: HashMap<i64, Option<f64>>,
    column_means: HashMap<i64, Option<f64>>,
    conflicts: Vec<String>,
    error_count: usize,
}

impl BookPage {
    /// The cell of the `row`th student and the `column`th assessment.
    fn cell(&self, row: &usize, column: &usize) -> CellView<'_> {
        let (row, column) = (*row, *column);
        let (a, s) = (&self.d.assessments[column], &self.d.students[row]);
        CellView::new(a.id, s.id, self.d.stored_at(row, column), &self.typed)
    }
    /// Every cell of the `row`th student, in the order of the assessments.
    fn row_cells(&self, row: &usize) -> String {
        let mut out = String::with_capacity(200 * self.d.assessments.len());
        for column in 0..self.d.assessments.len() {
            self.cell(row, &column).write_td(&mut out);
        }
        out
    }
    fn average(&self, s: &i64) -> String {
        grades::format_percent(self.averages.get(s).copied().flatten())
    }
    fn letter(&self, s: &i64) -> String {
        self.d
            .scale
            .letter_of(self.averages.get(s).copied().flatten())
    }
    fn column_mean(&self, a: &i64) -> String {
        grades::format_percent(self.column_means.get(a).copied().flatten())
    }
    fn name(&self, s: &RosterStudent) -> String {
        display_name(s)
    }
    fn class_average(&self) -> String {
        let avgs: Vec<f64> = self.averages.values().flatten().copied().collect();
        grades::format_percent(
            (!avgs.is_empty()).then(|| avgs.iter().sum::<f64>() / avgs.len() as f64),
        )
    }
}

pub(super) fn book_page(
    req: &HttpRequest,
    state: &AppState,
    d: Loaded,
    typed: Typed,
    conflicts: Vec<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let html = book_html(Layout::new(req, state, String::new()), d, typed, conflicts)?;
    Ok(html_response(status, html))
}

/// The gradebook page; `layout` gets its title here.
fn book_html(
    mut layout: Layout,
    d: Loaded,
    typed: Typed,
    conflicts: Vec<String>,
) -> Result<String, AppError> {
    let averages = d.averages();
    // Each column's mean percentage over the grid's students (as the assessment's own page
    // counts them), in one pass.
    let mut sums = vec![(0.0, 0usize); d.assessments.len()];
    for row in 0..d.students.len() {
        for (column, a) in d.assessments.iter().enumerate() {
            if let Some(grades::Entry::Score(v)) =
                d.stored_at(row, column).and_then(ScoreRow::entry)
            {
                if let Some(p) = grades::percent(v, a.max_score) {
                    sums[column].0 += p;
                    sums[column].1 += 1;
                }
            }
        }
    }
    let column_means = (d.assessments.iter().zip(sums))
        .map(|(a, (sum, n))| (a.id, (n > 0).then(|| sum / n as f64)))
        .collect();
    layout.title = format!("{} · {} gradebook", d.book.class_name, d.book.subject_name);
    // About 200 bytes a cell, and the page around them.
    let bytes = 16_384 + 200 * d.students.len() * d.assessments.len();
    render_string(
        &BookPage {
            layout,
            base_url: base_url(d.book.class_id, d.book.subject_id),
            error_count: typed.errors.len(),
            d,
            typed,
            averages,
            column_means,
            conflicts,
        },
        bytes,
    )
}

#[derive(Deserialize)]
pub struct TermQuery {
    pub term: Option<i64>,
}

pub async fn show_book(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    query: crate::web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id) = path.into_inner();
    let scope = Scope {
        term: query.term,
        ..Scope::default()
    };
    // The grid renders in the same turn on the database queue as its queries.
    let layout = Layout::new(&req, &state, String::new());
    let (now, teacher) = (state.clock.now(), user.id);
    let html = db::run_then(
        &state.pool,
        move |conn| load_in(conn, now, teacher, class_id, subject_id, scope),
        move |d| book_html(layout, d, Typed::default(), Vec::new()),
    )
    .await?;
    Ok(html_response(StatusCode::OK, html))
}
