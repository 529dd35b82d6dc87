//! One assessment: its statistics and its column of marks as one form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::domain::grades::{self, Stats};
use crate::error::AppError;
use crate::gradebook::queries::{self as q, Assessment, ScoreRow};
use crate::models::classes::RosterStudent;
use crate::web::layout::{render_status, Layout};
use crate::web::CurrentUser;
use crate::AppState;

use super::cells::{CellView, Typed};
use super::load::{base_url, display_name, load, Loaded, Scope};
use super::save::{parse_cells, save_form, FormTarget, Marks};

#[derive(Template)]
#[template(path = "gradebook/assessment.html")]
struct ColumnPage {
    layout: Layout,
    d: Loaded,
    a: Assessment,
    base_url: String,
    typed: Typed,
    conflicts: Vec<String>,
    stats: Stats,
}

impl ColumnPage {
    fn cell(&self, s: &i64) -> CellView<'_> {
        CellView::of(&self.d, &self.typed, self.a.id, *s)
    }
    fn stored(&self, s: i64) -> Option<&ScoreRow> {
        self.d.stored(self.a.id, s)
    }
    fn name(&self, s: &RosterStudent) -> String {
        display_name(s)
    }
    fn pct(&self, v: &Option<f64>) -> String {
        grades::format_percent(*v)
    }
    fn percent_of(&self, s: &i64) -> String {
        match self.stored(*s) {
            Some(r) if r.status == "score" => {
                grades::format_percent(r.score.and_then(|v| grades::percent(v, self.a.max_score)))
            }
            _ => String::new(),
        }
    }
}

pub(super) fn column_page(
    req: &HttpRequest,
    state: &AppState,
    d: Loaded,
    typed: Typed,
    conflicts: Vec<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let a = d.assessments.first().cloned().ok_or(AppError::NotFound)?;
    let ps: Vec<f64> = d
        .scores
        .iter()
        .filter(|s| s.assessment_id == a.id && s.status == "score")
        .filter(|s| d.students.iter().any(|st| st.id == s.student_id))
        .filter_map(|s| s.score.and_then(|v| grades::percent(v, a.max_score)))
        .collect();
    let stats = grades::stats(&ps, &d.scale);
    let title = format!(
        "{} · {} · {}",
        a.title, d.book.subject_name, d.book.class_name
    );
    render_status(
        &ColumnPage {
            layout: Layout::new(req, state, title),
            base_url: base_url(d.book.class_id, d.book.subject_id),
            d,
            a,
            typed,
            conflicts,
            stats,
        },
        status,
    )
}

/// One assessment: its statistics and its column of marks as one form.
pub async fn show_assessment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id, assessment_id) = path.into_inner();
    let scope = Scope {
        assessment: Some(assessment_id),
        ..Scope::default()
    };
    let d = load(&state, &user, class_id, subject_id, scope).await?;
    column_page(
        &req,
        &state,
        d,
        Typed::default(),
        Vec::new(),
        StatusCode::OK,
    )
}

/// Saves one assessment's column at once (no JavaScript).
pub async fn save_assessment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64, i64)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id, assessment_id) = path.into_inner();
    let scope = Scope {
        assessment: Some(assessment_id),
        ..Scope::default()
    };
    let (now, teacher) = (state.clock.now(), user.id);
    let column = db::run(&state.pool, move |conn| {
        let found =
            q::find_column_for_save(conn, class_id, subject_id, assessment_id, now, teacher);
        Ok(found?)
    })
    .await?;
    if column.assessment.archived {
        return Err(AppError::NotFound);
    }
    let redirect = format!(
        "{}/assessments/{assessment_id}",
        base_url(class_id, subject_id)
    );
    let (cells, typed) = parse_cells(
        &form,
        std::slice::from_ref(&column.assessment),
        &column.roster,
    );
    save_form(
        &req,
        &state,
        &user,
        Marks {
            book: column.book,
            cells,
            typed,
        },
        FormTarget {
            redirect,
            render: column_page,
            scope,
        },
    )
    .await
}
