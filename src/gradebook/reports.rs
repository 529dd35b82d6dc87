//! Term report cards: per student, each subject's average and grade (all work: this is the
//! school's own figure), the term's attendance rate, a behaviour summary and the teacher's
//! comment. One page per student when printed, for a whole class at once or one student.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text, Timestamptz};
use serde::Deserialize;

use crate::db;
use crate::domain::attendance::{format_rate, Tally};
use crate::domain::grades::{self, GradeScale, Policy};
use crate::error::AppError;
use crate::gradebook::grid::display_name;
use crate::models::classes::{self as aq, RosterStudent, TaughtClass};
use crate::models::terms::{self, Term};
use crate::models::work::{self, SubjectResult};
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Queryable)]
struct ClassFacts {
    school_id: i64,
    school_name: String,
    academic_year_id: i64,
    missing_counts_as_zero: bool,
}

#[derive(QueryableByName)]
struct TallyRow {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = BigInt)]
    present: i64,
    #[diesel(sql_type = BigInt)]
    late: i64,
    #[diesel(sql_type = BigInt)]
    absent: i64,
    #[diesel(sql_type = BigInt)]
    excused: i64,
}

#[derive(QueryableByName)]
struct BehaviourCount {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = BigInt)]
    positive: i64,
    #[diesel(sql_type = BigInt)]
    negative: i64,
}

#[derive(QueryableByName, Clone)]
struct Comment {
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Nullable<Text>)]
    updated_by: Option<String>,
}

/// One student's report.
pub struct Report {
    student: RosterStudent,
    results: Vec<SubjectResult>,
    overall: Option<f64>,
    overall_letter: String,
    attendance: String,
    tally: Tally,
    positive: i64,
    negative: i64,
    comment: String,
    comment_version: i32,
    comment_by: Option<String>,
}

impl Report {
    fn name(&self) -> String {
        display_name(&self.student)
    }
    fn overall_label(&self) -> String {
        grades::format_percent(self.overall)
    }
}

struct Loaded {
    class: TaughtClass,
    school_name: String,
    school_id: i64,
    terms: Vec<Term>,
    term: Term,
    reports: Vec<Report>,
}

/// Builds the reports of a class the teacher teaches (all students, or `only`).
async fn load(
    state: &AppState,
    user: &CurrentUser,
    class_id: i64,
    term: Option<i64>,
    only: Option<i64>,
) -> Result<Loaded, AppError> {
    let (teacher, today) = (user.id, state.clock.now().date_naive());
    db::run(&state.pool, move |conn| {
        let class = aq::find_taught_class(conn, teacher, class_id, today)?;
        let facts: ClassFacts = {
            use crate::schema::{classes as c, schools as s};
            c::table
                .inner_join(s::table)
                .filter(c::id.eq(class_id))
                .select((
                    c::school_id,
                    s::name,
                    c::academic_year_id,
                    s::missing_counts_as_zero,
                ))
                .first(conn)?
        };
        let terms = terms::list_terms(conn, facts.academic_year_id)?;
        let term = terms::pick_term(&terms, term, today).ok_or(AppError::NotFound)?;
        let mut students =
            aq::list_class_students(conn, class_id, terms::roster_date(&term, today))?;
        if let Some(o) = only {
            students.retain(|s| s.id == o);
            if students.is_empty() {
                return Err(AppError::NotFound);
            }
        }
        let ids: Vec<i64> = students.iter().map(|s| s.id).collect();
        let work::MarksAndWeights { marks, weights } =
            work::marks_and_weights(conn, &ids, term.id, false, false)?;
        let scale: GradeScale = work::find_grade_scale(conn, facts.school_id)?;
        let to = today.min(term.ends_on);
        let tallies: Vec<TallyRow> = db::statement(include_str!("sql/list_attendance_tallies.sql"))
            .bind::<Array<BigInt>, _>(ids.clone())
            .bind::<Date, _>(term.starts_on)
            .bind::<Date, _>(to)
            .load(conn)?;
        let behaviour: Vec<BehaviourCount> =
            db::statement(include_str!("sql/count_behaviour_records.sql"))
                .bind::<Array<BigInt>, _>(ids.clone())
                .bind::<Date, _>(term.starts_on)
                .bind::<Date, _>(term.ends_on)
                .load(conn)?;
        let comments: Vec<Comment> = db::statement(include_str!("sql/list_report_comments.sql"))
            .bind::<Array<BigInt>, _>(ids)
            .bind::<BigInt, _>(term.id)
            .load(conn)?;
        let policy = Policy {
            missing_counts_as_zero: facts.missing_counts_as_zero,
        };
        let tallies: HashMap<i64, TallyRow> =
            tallies.into_iter().map(|t| (t.student_id, t)).collect();
        let behaviour: HashMap<i64, BehaviourCount> =
            behaviour.into_iter().map(|b| (b.student_id, b)).collect();
        let comments: HashMap<i64, Comment> =
            comments.into_iter().map(|c| (c.student_id, c)).collect();
        let reports = students
            .into_iter()
            .map(|student| {
                let results = work::subject_results(&marks, student.id, &weights, policy, &scale);
                let overall = grades::overall(
                    &results
                        .iter()
                        .map(|r| r.explanation.average)
                        .collect::<Vec<_>>(),
                );
                let tally = tallies
                    .get(&student.id)
                    .map_or(Tally::default(), |t| Tally {
                        present: t.present,
                        late: t.late,
                        absent: t.absent,
                        excused: t.excused,
                    });
                let b = behaviour.get(&student.id);
                let c = comments.get(&student.id).cloned();
                Report {
                    results,
                    overall,
                    overall_letter: scale.letter_of(overall),
                    attendance: format_rate(tally.rate()),
                    tally,
                    positive: b.map_or(0, |b| b.positive),
                    negative: b.map_or(0, |b| b.negative),
                    comment: c.as_ref().map(|c| c.comment.clone()).unwrap_or_default(),
                    comment_version: c.as_ref().map_or(0, |c| c.version),
                    comment_by: c.and_then(|c| c.updated_by),
                    student,
                }
            })
            .collect();
        Ok(Loaded {
            class,
            school_name: facts.school_name,
            school_id: facts.school_id,
            terms,
            term,
            reports,
        })
    })
    .await
}

#[derive(Template)]
#[template(path = "gradebook/reports.html")]
struct ReportsPage {
    layout: Layout,
    d: Loaded,
    single: bool,
    error: Option<(i64, String)>,
    conflict: Option<(i64, String)>,
}

#[derive(Deserialize)]
pub struct TermQuery {
    term: Option<i64>,
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    d: Loaded,
    single: bool,
    error: Option<(i64, String)>,
    conflict: Option<(i64, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = format!("Reports · {} · {}", d.class.name, d.term.name);
    render_status(
        &ReportsPage {
            layout: Layout::new(req, state, title),
            d,
            single,
            error,
            conflict,
        },
        status,
    )
}

pub async fn class_reports(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
    query: crate::web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    let d = load(&state, &user, path.into_inner().0, query.term, None).await?;
    page(&req, &state, d, false, None, None, StatusCode::OK)
}

pub async fn student_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    query: crate::web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    let (class_id, student_id) = path.into_inner();
    let d = load(&state, &user, class_id, query.term, Some(student_id)).await?;
    page(&req, &state, d, true, None, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct CommentForm {
    term_id: i64,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    version: i32,
}

/// Saves the teacher's comment on a student's term report; a save over someone else's newer
/// comment is refused with theirs.
pub async fn save_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: crate::web::Form<CommentForm>,
) -> Result<HttpResponse, AppError> {
    let (class_id, student_id) = path.into_inner();
    let form = form.into_inner();
    let d = load(
        &state,
        &user,
        class_id,
        Some(form.term_id),
        Some(student_id),
    )
    .await?;
    let comment = form.comment.trim().to_string();
    if comment.chars().count() > 2000 {
        return page(
            &req,
            &state,
            d,
            true,
            Some((student_id, "A comment has at most 2000 characters.".into())),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = crate::audit::actor(&req, &state, &user);
    let (school_id, term_id, seen) = (d.school_id, d.term.id, form.version);
    let before = d
        .reports
        .first()
        .map(|r| r.comment.clone())
        .unwrap_or_default();
    let text = comment.clone();
    let saved = db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            // One statement: a new comment, an edit at the version the page saw, or the same
            // text again (a retry); anything else is someone else's newer comment.
            let n = db::statement(include_str!("sql/upsert_report_comment.sql"))
                .bind::<BigInt, _>(school_id)
                .bind::<BigInt, _>(student_id)
                .bind::<BigInt, _>(term_id)
                .bind::<Text, _>(text.clone())
                .bind::<BigInt, _>(actor.user_id)
                .bind::<Timestamptz, _>(actor.at)
                .bind::<Integer, _>(seen)
                .execute(conn)?;
            if n == 1 {
                crate::audit::audit_change(
                    conn,
                    &actor,
                    "update",
                    "report_comment",
                    student_id,
                    school_id,
                    Some(serde_json::json!({ "term_id": term_id, "comment": before })),
                    Some(serde_json::json!({ "term_id": term_id, "comment": text })),
                )?;
            }
            Ok::<_, diesel::result::Error>(n == 1)
        })?)
    })
    .await?;
    if !saved {
        let d = load(&state, &user, class_id, Some(term_id), Some(student_id)).await?;
        let theirs = d
            .reports
            .first()
            .map(|r| {
                (
                    r.comment.clone(),
                    r.comment_by.clone().unwrap_or_else(|| "someone".into()),
                )
            })
            .unwrap_or_default();
        let message = format!(
            "Not saved: {} changed this comment after you opened the page. It now reads: “{}”. Your text was: “{}”. Edit below and save again to replace it.",
            theirs.1, theirs.0, comment
        );
        return page(
            &req,
            &state,
            d,
            true,
            None,
            Some((student_id, message)),
            StatusCode::CONFLICT,
        );
    }
    flash(&session, "Comment saved.");
    Ok(see_other(&format!(
        "/teacher/classes/{class_id}/reports/{student_id}?term={term_id}"
    )))
}
