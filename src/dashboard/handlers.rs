//! `/dashboard` (principals: their school; admins: the district, schools side by side), the
//! at-risk and high-performer lists (with CSV), a student's profile, and `/teacher/dashboard`.

mod lists;
mod overview;
mod teacher;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::dashboard::queries::{self as q, Flagged};
use crate::db;
use crate::domain::attendance::{format_rate, Tally};
use crate::domain::grades::format_percent;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::models::work;
use crate::web::layout::{render, Layout};
use crate::web::summary_age::age_note;
use crate::web::CurrentUser;
use crate::AppState;

pub use lists::{at_risk, at_risk_csv, high_performers};
pub use overview::dashboard;
pub use teacher::teacher;

fn pct(v: Option<f64>) -> String {
    format_percent(v)
}

#[derive(Template)]
#[template(path = "dashboard/student.html")]
struct StudentPage {
    layout: Layout,
    record: crate::models::students::StudentRecord,
    flags: Option<Flagged>,
    term_name: Option<String>,
    tally: Tally,
    rate: String,
    results: Vec<work::SubjectResult>,
    overall: String,
    behaviour: Vec<work::BehaviourRecord>,
    participation: Vec<work::ParticipationRecord>,
    age: String,
}

/// A student's profile for the office: attendance, marks (all work) and behaviour this term.
pub async fn student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let student_id = path.into_inner().0;
    let scope = SchoolScope::of(&user);
    let now = state.clock.now();
    let (record, flags, rules, tally, results, behaviour, participation, refreshed) =
        db::run(&state.pool, move |conn| {
            // Another school's student is NotFound (404) for a principal.
            let record =
                crate::models::students::find_student(conn, scope, student_id, now.date_naive())?;
            let rules = work::find_school_rules(conn, student_id, now)?;
            let flags = q::find_student_flags(conn, student_id)?;
            let (mut tally, mut results, mut behaviour, mut participation) =
                (Tally::default(), Vec::new(), Vec::new(), Vec::new());
            if let (Some(term), Some(from)) = (rules.term_id, rules.term_starts_on) {
                let q::StudentTerm {
                    tally: counted,
                    marks: work::MarksAndWeights { marks, weights },
                    scale,
                    records,
                } = q::student_term(conn, student_id, rules.school_id, term, from, rules.today)?;
                tally = counted;
                results =
                    work::subject_results(&marks, student_id, &weights, rules.policy(), &scale);
                (behaviour, participation) = (records.behaviour, records.participation);
            }
            let refreshed = crate::models::insight::find_last_refresh(conn)?;
            Ok((
                record,
                flags,
                rules,
                tally,
                results,
                behaviour,
                participation,
                refreshed,
            ))
        })
        .await?;
    let overall = crate::domain::grades::overall(
        &results
            .iter()
            .map(|r| r.explanation.average)
            .collect::<Vec<_>>(),
    );
    let title = format!(
        "{} {}",
        record.student.given_name, record.student.family_name
    );
    render(&StudentPage {
        layout: Layout::new(&req, &state, title),
        record,
        flags,
        term_name: rules.term_name,
        rate: format_rate(tally.rate()),
        tally,
        results,
        overall: pct(overall),
        behaviour,
        participation,
        age: age_note(refreshed, now),
    })
}
