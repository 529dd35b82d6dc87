//! The mark-entry grid (`/teacher/classes/{c}/subjects/{s}/gradebook`), one assessment's column
//! with its statistics, single-cell saves (htmx) and the explanation of an average.
//!
//! Cells are named `c_{assessment}_{student}`; beside each, `v_{assessment}_{student}` holds the
//! version and the value the page showed (`3:85`; `0:` when nothing is stored). A whole-form POST
//! saves only the cells the teacher changed, all or nothing. Each cell also saves on its own
//! through htmx.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::db;
use crate::domain::grades::{self, Explanation, GradeScale, Stats};
use crate::error::AppError;
use crate::gradebook::queries::{
    self as q, Assessment, Book, Category, SaveOutcome, ScoreInput, ScoreRow, Shown, Term, Which,
};
use crate::models::classes::RosterStudent;
use crate::web::layout::{html_response, render_status, render_string, see_other_saved, Layout};
use crate::web::CurrentUser;
use crate::AppState;

/// Everything a gradebook page shows.
pub struct Loaded {
    pub book: Book,
    pub terms: Vec<Term>,
    pub term: Term,
    pub assessments: Vec<Assessment>,
    pub students: Vec<RosterStudent>,
    pub scores: Vec<ScoreRow>,
    pub categories: Vec<Category>,
    pub scale: GradeScale,
    /// Each student's row and each assessment's column in `grid` (a fast hash of small keys:
    /// a grid looks up hundreds of cells).
    rows: FxHashMap<i64, usize>,
    columns: FxHashMap<i64, usize>,
    /// Position in `scores` of each cell, row by row (students × assessments).
    grid: Vec<Option<usize>>,
    /// Each assessment's title and category, shared by the marks of its column.
    labels: Vec<(Arc<str>, Arc<str>)>,
}

impl Loaded {
    pub fn weights(&self) -> BTreeMap<String, f64> {
        q::weights_of(&self.categories)
    }

    pub fn explain(&self, student_id: i64) -> Explanation {
        self.explain_with(student_id, &self.weights())
    }

    fn explain_with(&self, student_id: i64, weights: &BTreeMap<String, f64>) -> Explanation {
        let row = self.rows.get(&student_id).copied();
        let marks: Vec<grades::Mark> = self
            .assessments
            .iter()
            .enumerate()
            .filter_map(|(column, a)| {
                let entry = self.stored_at(row?, column)?.entry()?;
                Some(grades::Mark {
                    assessment_id: a.id,
                    title: self.labels[column].0.clone(),
                    category: self.labels[column].1.clone(),
                    max_score: a.max_score,
                    entry,
                })
            })
            .collect();
        grades::explain_average(marks, weights, self.book.policy())
    }

    /// Every student's average, computing the weights once: the figures alone
    /// ([`grades::average_of`], the same arithmetic as [`Self::explain_with`] without building
    /// thirty explanations).
    pub fn averages(&self) -> HashMap<i64, Option<f64>> {
        let weights = self.weights();
        let policy = self.book.policy();
        (self.students.iter().enumerate())
            .map(|(row, s)| {
                let marks = (self.assessments.iter().enumerate()).filter_map(|(column, a)| {
                    let entry = self.stored_at(row, column)?.entry()?;
                    Some((&*self.labels[column].1, a.max_score, entry))
                });
                (s.id, grades::average_of(marks, &weights, policy))
            })
            .collect()
    }

    pub fn stored(&self, a: i64, s: i64) -> Option<&ScoreRow> {
        self.stored_at(*self.rows.get(&s)?, *self.columns.get(&a)?)
    }

    /// The cell of the `row`th student and the `column`th assessment.
    pub fn stored_at(&self, row: usize, column: usize) -> Option<&ScoreRow> {
        let at = self
            .grid
            .get(row * self.assessments.len() + column)
            .copied()??;
        self.scores.get(at)
    }

    /// Places the loaded scores in the grid of the loaded students and assessments.
    fn index(&mut self) {
        self.rows = self
            .students
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        self.columns = (self.assessments.iter().enumerate())
            .map(|(i, a)| (a.id, i))
            .collect();
        self.labels = (self.assessments.iter())
            .map(|a| (a.title.as_str().into(), a.category.as_str().into()))
            .collect();
        let width = self.assessments.len();
        self.grid = vec![None; self.students.len() * width];
        for (at, r) in self.scores.iter().enumerate() {
            if let (Some(row), Some(column)) = (
                self.rows.get(&r.student_id),
                self.columns.get(&r.assessment_id),
            ) {
                self.grid[row * width + column] = Some(at);
            }
        }
    }
}

/// What to load: the term asked for, one assessment, one student.
#[derive(Debug, Default, Clone, Copy)]
pub struct Scope {
    pub term: Option<i64>,
    pub assessment: Option<i64>,
    pub student: Option<i64>,
}

pub fn base_url(class_id: i64, subject_id: i64) -> String {
    format!("/teacher/classes/{class_id}/subjects/{subject_id}/gradebook")
}

/// Loads a gradebook the teacher teaches (404 otherwise) for one term.
pub async fn load(
    state: &AppState,
    user: &CurrentUser,
    class_id: i64,
    subject_id: i64,
    scope: Scope,
) -> Result<Loaded, AppError> {
    let (now, teacher) = (state.clock.now(), user.id);
    db::run(&state.pool, move |conn| {
        load_in(conn, now, teacher, class_id, subject_id, scope)
    })
    .await
}

/// [`load`] for one assessment's class and subject (a single mark's URL names only the
/// assessment and the student).
async fn load_for_assessment(
    state: &AppState,
    user: &CurrentUser,
    assessment_id: i64,
    scope: Scope,
) -> Result<Loaded, AppError> {
    let (now, teacher) = (state.clock.now(), user.id);
    db::run(&state.pool, move |conn| {
        let (class_id, subject_id) =
            q::assessment_book(conn, assessment_id)?.ok_or(AppError::NotFound)?;
        load_in(conn, now, teacher, class_id, subject_id, scope)
    })
    .await
}

fn load_in(
    conn: &mut diesel::PgConnection,
    now: chrono::DateTime<chrono::Utc>,
    teacher: i64,
    class_id: i64,
    subject_id: i64,
    scope: Scope,
) -> Result<Loaded, AppError> {
    let q::BookWithSettings {
        book,
        terms,
        categories,
        scale,
    } = q::find_book_with_settings(conn, class_id, subject_id, now, teacher)?;
    // An assessment's own term wins over the default.
    let mut asked = scope.term;
    if let Some(a) = scope.assessment {
        let found = q::list_assessments(conn, &book, Which::One { id: a, term: None }, false)?;
        let a = found.first().ok_or(AppError::NotFound)?;
        asked = Some(a.term_id);
    }
    let term = q::pick_term(&terms, asked, book.today).ok_or(AppError::NotFound)?;
    let on = q::roster_date(&term, book.today);
    let mut students = crate::models::classes::list_class_students(conn, class_id, on)?;
    if let Some(s) = scope.student {
        students.retain(|r| r.id == s);
        if students.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    let which = match scope.assessment {
        Some(id) => Which::One {
            id,
            term: Some(term.id),
        },
        None => Which::Term(term.id),
    };
    // Every cell of these assessments comes with them unless the scope is one student.
    let (assessments, scores) = match scope.student {
        None => q::assessments_with_cells(conn, &book, which)?,
        Some(student) => {
            let assessments = q::list_assessments(conn, &book, which, true)?;
            let ids: Vec<i64> = assessments.iter().map(|a| a.id).collect();
            let cells = q::student_scores(conn, &ids, student)?;
            (assessments, cells)
        }
    };
    let mut loaded = Loaded {
        book,
        terms,
        term,
        assessments,
        students,
        scores,
        categories,
        scale,
        rows: FxHashMap::default(),
        columns: FxHashMap::default(),
        grid: Vec::new(),
        labels: Vec::new(),
    };
    loaded.index();
    Ok(loaded)
}

pub fn display_name(s: &RosterStudent) -> String {
    format!(
        "{}, {}",
        s.family_name,
        s.preferred_name.as_deref().unwrap_or(&s.given_name)
    )
}

/// The grid's typing kept after a refused save, and messages per cell.
#[derive(Default)]
struct Typed {
    values: HashMap<(i64, i64), String>,
    errors: HashMap<(i64, i64), String>,
}

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

/// One cell as the page shows it.
pub struct CellView<'a> {
    pub a: i64,
    pub s: i64,
    /// What the input holds: the teacher's kept typing, else the stored mark.
    pub value: CellValue<'a>,
    /// The stored mark the page shows (sent back beside the version).
    pub original: Shown<'a>,
    pub version: i32,
    pub error: Option<Cow<'a, str>>,
    pub notice: Option<&'static str>,
}

pub enum CellValue<'a> {
    Typed(Cow<'a, str>),
    Stored(Shown<'a>),
}

impl std::fmt::Display for CellValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Typed(t) => f.write_str(t),
            Self::Stored(shown) => shown.fmt(f),
        }
    }
}

impl CellView<'_> {
    /// The cell's `<td>`: the grid, an assessment's column and a saved cell all write it here.
    /// Written by hand, not by a template: a grid writes hundreds of cells per page. A cell
    /// carries only what the no-JavaScript form needs (its value, and its version beside the
    /// value it was), plus its accessible name; `gradebook.js` posts a changed cell to
    /// `/teacher/marks/{a}/{s}` (read from its name) and gives it the number pad, so those
    /// bytes are not repeated in every cell.
    pub fn write_td(&self, out: &mut String) {
        use crate::web::html::{push_escaped, push_int};
        let (a, s) = (self.a, self.s);
        // `c_{a}_{s}` and `v_{a}_{s}`, `err-{a}-{s}`.
        let ids = |out: &mut String, sep: char| {
            push_int(out, a);
            out.push(sep);
            push_int(out, s);
        };
        out.push_str(if self.error.is_some() {
            "<td class=\"has-error\"><input name=\"c_"
        } else {
            "<td><input name=\"c_"
        });
        ids(out, '_');
        out.push_str("\" value=\"");
        match &self.value {
            CellValue::Typed(t) => push_escaped(out, t),
            CellValue::Stored(shown) => {
                let _ = shown.write_to(out);
            }
        }
        out.push_str("\" aria-labelledby=\"s-");
        push_int(out, s);
        out.push_str(" a-");
        push_int(out, a);
        out.push('"');
        if self.error.is_some() {
            out.push_str(" aria-invalid=\"true\" aria-describedby=\"err-");
            ids(out, '-');
            out.push('"');
        }
        out.push_str("><input type=\"hidden\" name=\"v_");
        ids(out, '_');
        out.push_str("\" value=\"");
        push_int(out, self.version);
        out.push(':');
        let _ = self.original.write_to(out);
        out.push_str("\">");
        if let Some(e) = &self.error {
            out.push_str("<span class=\"field-error cell-msg\" id=\"err-");
            ids(out, '-');
            out.push_str("\">");
            push_escaped(out, e);
            out.push_str("</span>");
        }
        if let Some(n) = self.notice {
            out.push_str("<span class=\"cell-msg saved\" role=\"status\">");
            push_escaped(out, n);
            out.push_str("</span>");
        }
        out.push_str("</td>");
    }

    /// [`Self::write_td`] as a string, for a template.
    pub fn td(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_td(&mut out);
        out
    }
}

impl<'a> CellView<'a> {
    fn new(a: i64, s: i64, stored: Option<&'a ScoreRow>, typed: &'a Typed) -> Self {
        // A fresh page has no typing: skip the look-ups.
        let kept = |map: &'a HashMap<(i64, i64), String>| {
            if map.is_empty() {
                None
            } else {
                map.get(&(a, s)).map(|t| Cow::Borrowed(t.as_str()))
            }
        };
        Self {
            a,
            s,
            value: kept(&typed.values).map_or(CellValue::Stored(Shown(stored)), CellValue::Typed),
            original: Shown(stored),
            version: stored.map_or(0, |r| r.version),
            error: kept(&typed.errors),
            notice: None,
        }
    }

    fn of(d: &'a Loaded, typed: &'a Typed, a: i64, s: i64) -> Self {
        Self::new(a, s, d.stored(a, s), typed)
    }
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

fn book_page(
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

/// Reads the changed cells of the loaded assessments and students from a form. Cells whose typed
/// value equals what the page showed are left alone.
fn parse_cells(fields: &[(String, String)], d: &Loaded) -> (Vec<ScoreInput>, Typed) {
    let map: HashMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut cells = Vec::new();
    let mut typed = Typed::default();
    for a in d.assessments.iter().filter(|a| !a.archived) {
        for s in &d.students {
            let key = format!("{}_{}", a.id, s.id);
            let Some(raw) = map.get(format!("c_{key}").as_str()) else {
                continue;
            };
            let (version, original) = shown(map.get(format!("v_{key}").as_str()).copied());
            if raw.trim().eq_ignore_ascii_case(original.trim()) {
                continue;
            }
            typed.values.insert((a.id, s.id), raw.to_string());
            match grades::parse_entry(raw, a.max_score) {
                Ok(entry) => cells.push(ScoreInput::new(a.id, s.id, entry, version)),
                Err(e) => {
                    typed.errors.insert((a.id, s.id), e.0);
                }
            }
        }
    }
    (cells, typed)
}

/// The version and value a page showed for a cell, from its `v_` field (`3:85`). A missing or
/// unreadable field is version 0 and blank: nothing stored, so a save over a stored value is a
/// conflict, never a silent overwrite.
fn shown(field: Option<&str>) -> (i32, &str) {
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
type Renderer = fn(
    &HttpRequest,
    &AppState,
    Loaded,
    Typed,
    Vec<String>,
    StatusCode,
) -> Result<HttpResponse, AppError>;

/// Where a no-JavaScript save goes: the page to redirect to, how to show it again, what it loaded.
struct FormTarget {
    redirect: String,
    render: Renderer,
    scope: Scope,
}

/// Saves changed cells of a loaded gradebook (the no-JavaScript forms: the grid and a column).
async fn save_form(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    d: Loaded,
    fields: Vec<(String, String)>,
    target: FormTarget,
) -> Result<HttpResponse, AppError> {
    let FormTarget {
        redirect,
        render,
        scope,
    } = target;
    let (cells, typed) = parse_cells(&fields, &d);
    if !typed.errors.is_empty() {
        return render(
            req,
            state,
            d,
            typed,
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let (book, actor, at) = (d.book.clone(), user.id, state.clock.now());
    let outcome = db::run(&state.pool, move |conn| {
        Ok(q::save_scores(conn, &book, &cells, actor, at)?)
    })
    .await?;
    match outcome {
        SaveOutcome::Saved { written } => Ok(see_other_saved(&redirect, written)),
        SaveOutcome::Conflicts(conflicting) => {
            // Nothing saved. Show their values where they changed, keep this teacher's other typing.
            let mut fresh = load(state, user, d.book.class_id, d.book.subject_id, scope).await?;
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
    save_form(
        &req,
        &state,
        &user,
        d,
        form.into_inner(),
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
    let (cells, typed) = parse_cells(&form, &d);
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

fn column_page(
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
    let d = load(&state, &user, class_id, subject_id, scope).await?;
    if d.assessments.first().is_some_and(|a| a.archived) {
        return Err(AppError::NotFound);
    }
    let redirect = format!(
        "{}/assessments/{assessment_id}",
        base_url(class_id, subject_id)
    );
    save_form(
        &req,
        &state,
        &user,
        d,
        form.into_inner(),
        FormTarget {
            redirect,
            render: column_page,
            scope,
        },
    )
    .await
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn cell_html(c: &CellView<'_>) -> scraper::Html {
        scraper::Html::parse_fragment(&format!("<table><tr>{}</tr></table>", c.td()))
    }

    fn attr(html: &scraper::Html, css: &str, name: &str) -> Option<String> {
        let selector = scraper::Selector::parse(css).unwrap();
        let found = html.select(&selector).next()?;
        found.value().attr(name).map(str::to_string)
    }

    #[test]
    fn a_cell_is_written_with_its_names_its_version_and_its_typing_escaped() {
        let stored = ScoreRow {
            assessment_id: 7,
            student_id: 9,
            status: "score".to_string().into(),
            score: Some(7.5),
            version: 3,
            updated_by: None,
            updated_at: None,
        };
        let typed = Typed::default();
        let saved = CellView {
            notice: Some("Saved"),
            ..CellView::new(7, 9, Some(&stored), &typed)
        };
        let html = cell_html(&saved);
        let input = "input[name=c_7_9]";
        assert_eq!(attr(&html, input, "value").as_deref(), Some("7.5"));
        // gradebook.js posts the cell to /teacher/marks/7/9 from its name; the cell itself
        // carries no per-cell htmx attributes.
        assert_eq!(attr(&html, input, "hx-post"), None);
        assert_eq!(
            attr(&html, input, "aria-labelledby").as_deref(),
            Some("s-9 a-7")
        );
        let version = attr(&html, "input[type=hidden][name=v_7_9]", "value").unwrap();
        assert_eq!(shown(Some(&version)), (3, "7.5"));
        assert_eq!(attr(&html, "td", "class"), None);
        assert_eq!(
            attr(&html, ".cell-msg.saved", "role").as_deref(),
            Some("status")
        );

        // Refused typing comes back escaped, beside a message the input points to.
        let hostile = r#""><script>x</script>"#;
        let refused = CellView {
            value: CellValue::Typed(Cow::Borrowed(hostile)),
            error: Some(Cow::Borrowed("“<b>” is not a number")),
            ..CellView::new(7, 9, None, &typed)
        };
        let html = cell_html(&refused);
        assert_eq!(attr(&html, input, "value").as_deref(), Some(hostile));
        let injected = scraper::Selector::parse("script, b").unwrap();
        assert_eq!(html.select(&injected).count(), 0);
        assert_eq!(attr(&html, "td", "class").as_deref(), Some("has-error"));
        assert_eq!(
            attr(&html, input, "aria-describedby").as_deref(),
            Some("err-7-9")
        );
        let message = scraper::Selector::parse("#err-7-9").unwrap();
        let text: String = html.select(&message).next().unwrap().text().collect();
        assert_eq!(text, "“<b>” is not a number");
        let version = attr(&html, "input[name=v_7_9]", "value");
        assert_eq!(version.as_deref(), Some("0:"), "nothing stored");
    }

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
