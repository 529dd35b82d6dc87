//! Saving marks: the whole grid or a column without JavaScript, or one cell through htmx; all
//! or nothing, and a cell changed meanwhile by someone else is a conflict shown beside it.

use std::borrow::Cow;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::domain::grades;
use crate::error::AppError;
use crate::gradebook::queries::{self as q, SaveOutcome, ScoreInput};
use crate::web::layout::see_other_saved;
use crate::web::CurrentUser;
use crate::AppState;

use super::cells::{CellValue, CellView, Typed};
use super::load::{base_url, display_name, load, load_for_assessment, Loaded, Scope};
use super::page::{book_page, TermQuery};

/// Reads the changed cells of `assessments` (archived ones aside) and the `roster`'s students
/// from a form. Cells whose typed value equals what the page showed are left alone.
pub(super) fn parse_cells(
    fields: &[(String, String)],
    assessments: &[q::Assessment],
    roster: &[i64],
) -> (Vec<ScoreInput>, Typed) {
    let map: HashMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut cells = Vec::new();
    let mut typed = Typed::default();
    for a in assessments.iter().filter(|a| !a.archived) {
        for s in roster {
            let key = format!("{}_{s}", a.id);
            let Some(raw) = map.get(format!("c_{key}").as_str()) else {
                continue;
            };
            let (version, original) = shown(map.get(format!("v_{key}").as_str()).copied());
            if raw.trim().eq_ignore_ascii_case(original.trim()) {
                continue;
            }
            typed.values.insert((a.id, *s), raw.to_string());
            match grades::parse_entry(raw, a.max_score) {
                Ok(entry) => cells.push(ScoreInput::new(a.id, *s, entry, version)),
                Err(e) => {
                    typed.errors.insert((a.id, *s), e.0);
                }
            }
        }
    }
    (cells, typed)
}

/// The version and value a page showed for a cell, from its `v_` field (`3:85`). A missing or
/// unreadable field is version 0 and blank: nothing stored, so a save over a stored value is a
/// conflict, never a silent overwrite.
pub(super) fn shown(field: Option<&str>) -> (i32, &str) {
    let (version, original) = field.and_then(|f| f.split_once(':')).unwrap_or(("0", ""));
    (version.trim().parse().unwrap_or(0), original)
}

/// Describes conflicting cells: who entered what, when.
fn describe_conflicts(d: &Loaded, cells: &[(i64, i64)]) -> Vec<String> {
    cells
        .iter()
        .map(|(a, s)| {
            let title = d
                .assessments
                .iter()
                .find(|x| x.id == *a)
                .map_or("", |x| x.title.as_str());
            let name = d
                .students
                .iter()
                .find(|x| x.id == *s)
                .map(display_name)
                .unwrap_or_default();
            match d
                .scores
                .iter()
                .find(|r| r.assessment_id == *a && r.student_id == *s)
            {
                Some(r) => format!(
                    "{name}, {title}: now {} (entered by {} at {})",
                    if r.cell().is_empty() {
                        "blank".to_string()
                    } else {
                        r.cell()
                    },
                    r.updated_by.as_deref().unwrap_or("someone"),
                    r.updated_at
                        .map(|t| t.format("%H:%M UTC").to_string())
                        .unwrap_or_default()
                ),
                None => format!("{name}, {title}: changed by someone else"),
            }
        })
        .collect()
}

/// Renders a grid or column page with kept typing, conflicts and a status.
pub(super) type Renderer = fn(
    &HttpRequest,
    &AppState,
    Loaded,
    Typed,
    Vec<String>,
    StatusCode,
) -> Result<HttpResponse, AppError>;

/// Where a no-JavaScript save goes: the page to redirect to, how to show it again, what it loaded.
pub(super) struct FormTarget {
    pub(super) redirect: String,
    pub(super) render: Renderer,
    pub(super) scope: Scope,
}

/// The marks a no-JavaScript form sent for a gradebook, read by [`parse_cells`].
pub(super) struct Marks {
    pub(super) book: q::Book,
    pub(super) cells: Vec<ScoreInput>,
    pub(super) typed: Typed,
}

/// Saves the changed cells of a gradebook's form (the grid and a column). A refused form is shown
/// again from a fresh load, with the teacher's typing kept.
pub(super) async fn save_form(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    marks: Marks,
    target: FormTarget,
) -> Result<HttpResponse, AppError> {
    let FormTarget {
        redirect,
        render,
        scope,
    } = target;
    let Marks { book, cells, typed } = marks;
    let (class_id, subject_id) = (book.class_id, book.subject_id);
    if !typed.errors.is_empty() {
        let d = load(state, user, class_id, subject_id, scope).await?;
        return render(
            req,
            state,
            d,
            typed,
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let (actor, at) = (user.id, state.clock.now());
    let outcome = db::run(&state.pool, move |conn| {
        Ok(q::save_scores(conn, &book, &cells, actor, at)?)
    })
    .await?;
    match outcome {
        SaveOutcome::Saved { written } => Ok(see_other_saved(&redirect, written)),
        SaveOutcome::Conflicts(conflicting) => {
            // Nothing saved. Show their values where they changed, keep this teacher's other typing.
            let mut fresh = load(state, user, class_id, subject_id, scope).await?;
            let (scores, cells) = (std::mem::take(&mut fresh.scores), conflicting.clone());
            fresh.scores = db::run(&state.pool, move |conn| {
                let mut scores = scores;
                q::who_entered(conn, &mut scores, &cells)?;
                Ok(scores)
            })
            .await?;
            let mut typed = typed;
            for cell in &conflicting {
                typed.values.remove(cell);
            }
            let messages = describe_conflicts(&fresh, &conflicting);
            render(req, state, fresh, typed, messages, StatusCode::CONFLICT)
        }
    }
}

/// Saves the whole grid (no JavaScript).
pub async fn save_book(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    query: crate::web::Query<TermQuery>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id) = path.into_inner();
    let scope = Scope {
        term: query.term,
        ..Scope::default()
    };
    let d = load(&state, &user, class_id, subject_id, scope).await?;
    let redirect = format!("{}?term={}", base_url(class_id, subject_id), d.term.id);
    let roster: Vec<i64> = d.students.iter().map(|s| s.id).collect();
    let (cells, typed) = parse_cells(&form, &d.assessments, &roster);
    save_form(
        &req,
        &state,
        &user,
        Marks {
            book: d.book,
            cells,
            typed,
        },
        FormTarget {
            redirect,
            render: book_page,
            scope,
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "gradebook/cell.html")]
struct CellFragment<'a> {
    c: CellView<'a>,
    /// The student's new average, swapped in out of band after a save.
    average: Option<(String, String)>,
    avg_url: String,
}

/// Saves one cell (htmx) and answers with that cell, and the student's average out of band.
pub async fn save_cell(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (assessment_id, student_id) = path.into_inner();
    let scope = Scope {
        assessment: Some(assessment_id),
        student: Some(student_id),
        ..Scope::default()
    };
    let d = load_for_assessment(&state, &user, assessment_id, scope).await?;
    let (class_id, subject_id) = (d.book.class_id, d.book.subject_id);
    let a = d.assessments.first().cloned().ok_or(AppError::NotFound)?;
    let s = d.students.first().cloned().ok_or(AppError::NotFound)?;
    let base = base_url(class_id, subject_id);
    let untyped = Typed::default();
    let fragment = |d: &Loaded,
                    value: Option<String>,
                    error: Option<String>,
                    notice: Option<&'static str>,
                    status: StatusCode,
                    with_avg: bool| {
        let average = with_avg.then(|| {
            let avg = d.explain(s.id).average;
            (grades::format_percent(avg), d.scale.letter_of(avg))
        });
        let mut c = CellView::of(d, &untyped, a.id, s.id);
        if let Some(v) = value {
            c.value = CellValue::Typed(Cow::Owned(v));
        }
        c.error = error.map(Cow::Owned);
        c.notice = notice;
        let html = CellFragment {
            c,
            average,
            avg_url: format!("{base}/students/{}?term={}", s.id, d.term.id),
        }
        .render()?;
        Ok::<_, AppError>(crate::web::htmx::fragment_response(status, html))
    };
    if a.archived {
        return fragment(
            &d,
            None,
            Some("This assessment is archived.".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        );
    }
    let (cells, typed) = parse_cells(&form, std::slice::from_ref(&a), &[s.id]);
    if let Some(e) = typed.errors.get(&(a.id, s.id)) {
        let kept = typed.values.get(&(a.id, s.id)).cloned();
        return fragment(
            &d,
            kept,
            Some(e.clone()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        );
    }
    if cells.is_empty() {
        return fragment(&d, None, None, None, StatusCode::OK, false);
    }
    let (book, actor, at) = (d.book.clone(), user.id, state.clock.now());
    let outcome = db::run(&state.pool, move |conn| {
        Ok(q::save_scores(conn, &book, &cells, actor, at)?)
    })
    .await?;
    // The average needs every assessment of the term, not just this one.
    let fresh = load(
        &state,
        &user,
        class_id,
        subject_id,
        Scope {
            term: Some(d.term.id),
            student: Some(s.id),
            ..Scope::default()
        },
    )
    .await?;
    match outcome {
        SaveOutcome::Saved { .. } => {
            fragment(&fresh, None, None, Some("Saved"), StatusCode::OK, true)
        }
        SaveOutcome::Conflicts(cells) => {
            let typed_value = typed.values.get(&(a.id, s.id)).cloned().unwrap_or_default();
            let message = describe_conflicts(&fresh, &cells).join(" ");
            fragment(
                &fresh,
                None,
                Some(format!(
                    "Not saved (you typed “{typed_value}”). {message}. Type again to change it."
                )),
                None,
                StatusCode::CONFLICT,
                true,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_shows_its_version_and_value() {
        assert_eq!(shown(Some("3:85")), (3, "85"));
        assert_eq!(shown(Some("2:EX")), (2, "EX"));
        assert_eq!(shown(Some("0:")), (0, ""));
        // Missing or garbled: nothing stored, so a save over a stored value conflicts.
        assert_eq!(shown(None), (0, ""));
        assert_eq!(shown(Some("85")), (0, ""));
        assert_eq!(shown(Some("x:85")), (0, "85"));
    }
}
