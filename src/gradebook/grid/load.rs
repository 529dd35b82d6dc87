//! What a gradebook page loads: the book, its term, roster, assessments and stored cells,
//! placed in a grid for look-ups.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::db;
use crate::domain::grades::{self, Explanation, GradeScale};
use crate::error::AppError;
use crate::gradebook::queries::{self as q, Assessment, Book, Category, ScoreRow, Which};
use crate::models::classes::RosterStudent;
use crate::models::terms::{pick_term, roster_date, Term};
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
pub(super) async fn load_for_assessment(
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

pub(super) fn load_in(
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
    let term = pick_term(&terms, asked, book.today).ok_or(AppError::NotFound)?;
    let on = roster_date(&term, book.today);
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
