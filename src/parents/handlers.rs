//! `/parent` pages.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use crate::domain::attendance::{format_rate, Tally};

use crate::db;
use crate::error::AppError;
use crate::models::work::{self, SchoolRules, StudentAttendance};
use crate::parents::queries::{self, Child};
use crate::web::layout::{flash, html_response, render, render_string, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Template)]
#[template(path = "parents/home.html")]
struct ParentHome {
    layout: Layout,
    children: Vec<Child>,
}

pub async fn parent_home(
    req: HttpRequest,
    state: web::Data<AppState>,
    parent: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (parent_id, today) = (parent.id, state.clock.now().date_naive());
    let children = db::run(&state.pool, move |conn| {
        Ok(queries::list_children(conn, parent_id, today)?)
    })
    .await?;
    render(&ParentHome {
        layout: Layout::new(&req, &state, "My children"),
        children,
    })
}

#[derive(Template)]
#[template(path = "parents/child.html")]
struct ChildPage {
    layout: Layout,
    child: Child,
    month: NaiveDate,
    weeks: Vec<[Option<CalendarDay>; 7]>,
    month_rate: String,
    year_rate: String,
    year_tally: Tally,
    absences: Vec<work::Absence>,
    prev_month: String,
    next_month: Option<String>,
    reason_error: Option<(i64, String)>,
    work: PublishedWork,
}

/// One day of the month calendar.
struct CalendarDay {
    day: u32,
    date: NaiveDate,
    mark: Option<work::DayMark>,
}

#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

pub async fn show_child(
    req: HttpRequest,
    state: web::Data<AppState>,
    parent: CurrentUser,
    path: web::Path<(i64,)>,
    query: crate::web::Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    child_page(
        &req,
        &state,
        &parent,
        path.into_inner().0,
        query.month.clone(),
        None,
        StatusCode::OK,
    )
    .await
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

#[allow(clippy::too_many_arguments)]
async fn child_page(
    req: &HttpRequest,
    state: &AppState,
    parent: &CurrentUser,
    student_id: i64,
    month: Option<String>,
    reason_error: Option<(i64, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (parent_id, now) = (parent.id, state.clock.now());
    let requested = month.and_then(|m| crate::domain::dates::parse_day(&format!("{m}-01")).ok());
    let mut layout = Layout::new(req, state, String::new());
    // The page renders in the same turn on the database queue as its queries.
    let html = db::run_then(
        &state.pool,
        move |conn| {
            // Authorisation first: another family's child is NotFound.
            let queries::ChildOverview {
                child,
                rules,
                year_start,
                scale,
            } = queries::child_overview(conn, parent_id, student_id, now)?;
            let today = rules.today;
            let month = requested
                .filter(|m| *m <= today)
                .unwrap_or_else(|| first_of_month(today));
            let month_end = (month + Months::new(1)).pred_opt().expect("valid");
            let year_start = year_start.unwrap_or(today);
            let (
                work,
                StudentAttendance {
                    marks,
                    month: month_tally,
                    year: year_tally,
                    absences,
                },
            ) = published_work(
                conn,
                student_id,
                rules,
                scale,
                false,
                Some(((month, month_end), (year_start, today))),
            )?;
            Ok((
                child,
                today,
                month,
                marks,
                month_tally,
                year_tally,
                absences,
                work,
            ))
        },
        move |(child, today, month, marks, month_tally, year_tally, absences, work)| {
            let mut weeks = Vec::new();
            let mut week: [Option<CalendarDay>; 7] = Default::default();
            let mut day = month;
            while day.month() == month.month() {
                let slot = day.weekday().num_days_from_monday() as usize;
                week[slot] = Some(CalendarDay {
                    day: day.day(),
                    date: day,
                    mark: marks.iter().find(|m| m.date == day).cloned(),
                });
                if slot == 6 {
                    weeks.push(std::mem::take(&mut week));
                }
                day = day.succ_opt().expect("valid");
            }
            if week.iter().any(Option::is_some) {
                weeks.push(week);
            }
            let prev = month - Months::new(1);
            let next = month + Months::new(1);
            layout.title = format!("{} {}", child.first_name(), child.family_name);
            render_string(
                &ChildPage {
                    layout,
                    month_rate: format_rate(month_tally.rate()),
                    year_rate: format_rate(year_tally.rate()),
                    year_tally,
                    prev_month: format!(
                        "/parent/children/{student_id}?month={}",
                        prev.format("%Y-%m")
                    ),
                    next_month: (next <= today).then(|| {
                        format!(
                            "/parent/children/{student_id}?month={}",
                            next.format("%Y-%m")
                        )
                    }),
                    child,
                    month,
                    weeks,
                    absences,
                    reason_error,
                    work,
                },
                ChildPage::SIZE_HINT,
            )
        },
    )
    .await?;
    Ok(html_response(status, html))
}

/// A child's published results this term, and behaviour where the school shares it.
struct PublishedWork {
    rules: SchoolRules,
    scale: crate::domain::grades::GradeScale,
    results: Vec<work::SubjectResult>,
    behaviour: Option<Vec<work::BehaviourRecord>>,
    participation: Vec<work::ParticipationRecord>,
}

/// Parents see published work only: every average here is computed from published
/// assessments alone (DESIGN.md §4). Call only after the child's authorisation check. The
/// child's attendance for a month and a year comes in the same statement where asked for (none
/// otherwise).
fn published_work(
    conn: &mut diesel::PgConnection,
    student_id: i64,
    rules: SchoolRules,
    scale: crate::domain::grades::GradeScale,
    class_means: bool,
    attendance: Option<((NaiveDate, NaiveDate), (NaiveDate, NaiveDate))>,
) -> Result<(PublishedWork, StudentAttendance), AppError> {
    let term = rules.term_id.zip(rules.term_starts_on);
    let found = work::find_student_work(
        conn,
        &work::StudentWorkQuery {
            student_id,
            attendance: attendance.map(|(month, year)| work::AttendanceWanted {
                month,
                year,
                calendar: true,
            }),
            marks: term.map(|(term_id, _)| work::MarksWanted {
                term_id,
                published_only: true,
                class_means: class_means && rules.parents_see_class_average,
            }),
            scale_of_school: None,
            records_since: term
                .filter(|_| rules.parents_see_behaviour)
                .map(|(_, since)| since),
        },
    )?;
    let results = found
        .marks
        .map(|work::MarksAndWeights { marks, weights }| {
            work::subject_results(&marks, student_id, &weights, rules.policy(), &scale)
        })
        .unwrap_or_default();
    let (behaviour, participation) = match found.records {
        Some(records) => (Some(records.behaviour), records.participation),
        None => (None, Vec::new()),
    };
    Ok((
        PublishedWork {
            rules,
            scale,
            results,
            behaviour,
            participation,
        },
        found.attendance,
    ))
}

#[derive(Template)]
#[template(path = "parents/subject.html")]
struct SubjectPage {
    layout: Layout,
    child: Child,
    rules: SchoolRules,
    result: work::SubjectResult,
    chart: String,
    policy_note: String,
    explanation: crate::domain::grades::Explanation,
    scale: crate::domain::grades::GradeScale,
}

impl SubjectPage {
    fn pct<T: std::borrow::Borrow<Option<f64>>>(&self, v: T) -> String {
        crate::domain::grades::format_percent(*v.borrow())
    }
    fn letter<T: std::borrow::Borrow<Option<f64>>>(&self, v: T) -> String {
        v.borrow().map(|p| self.scale.letter(p)).unwrap_or_default()
    }
}

/// One subject of a child: published assessments, the trend over the term and how the average
/// is made.
pub async fn show_child_subject(
    req: HttpRequest,
    state: web::Data<AppState>,
    parent: CurrentUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (student_id, subject_id) = path.into_inner();
    let (parent_id, now) = (parent.id, state.clock.now());
    let (child, work) = db::run(&state.pool, move |conn| {
        let o = queries::child_overview(conn, parent_id, student_id, now)?;
        let (work, _) = published_work(conn, student_id, o.rules, o.scale, true, None)?;
        Ok((o.child, work))
    })
    .await?;
    let result = work
        .results
        .into_iter()
        .find(|r| r.subject_id == subject_id)
        .ok_or(AppError::NotFound)?;
    let points: Vec<(String, Option<f64>)> = result
        .marks
        .iter()
        .map(|m| {
            (
                format!("{} ({})", m.title, m.date.format("%-d %b")),
                m.percent(),
            )
        })
        .collect();
    let chart = crate::web::chart::percent_line(
        &format!(
            "{} results this term, in percent, oldest first",
            result.subject_name
        ),
        &points,
    );
    let title = format!("{} · {}", child.first_name(), result.subject_name);
    render(&SubjectPage {
        layout: Layout::new(&req, &state, title),
        explanation: result.explanation.clone(),
        policy_note: crate::domain::grades::policy_note(work.rules.missing_counts_as_zero),
        child,
        rules: work.rules,
        result,
        chart,
        scale: work.scale,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// A parent tells the school why their child was absent; the office accepts or declines it.
pub async fn send_reason(
    req: HttpRequest,
    state: web::Data<AppState>,
    parent: CurrentUser,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: crate::web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let (student_id, attendance_id) = path.into_inner();
    let (parent_id, now) = (parent.id, state.clock.now());
    // Another family's child, another child's day or a present mark: as if it did not exist.
    db::run(&state.pool, move |conn| {
        queries::find_child(conn, parent_id, student_id, now.date_naive())?;
        Ok(queries::find_reason_target(
            conn,
            parent_id,
            student_id,
            attendance_id,
        )?)
    })
    .await?;
    let reason = form.reason.trim().to_string();
    let error = if reason.is_empty() {
        Some("Write the reason, for example “Doctor's appointment”.")
    } else if reason.chars().count() > 1000 {
        Some("A reason has at most 1000 characters.")
    } else {
        None
    };
    if let Some(e) = error {
        return child_page(
            &req,
            &state,
            &parent,
            student_id,
            None,
            Some((attendance_id, e.to_string())),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let sent = db::run(&state.pool, move |conn| {
        Ok(queries::insert_reason(
            conn,
            parent_id,
            attendance_id,
            &reason,
            now,
        )?)
    })
    .await?;
    flash(
        &session,
        if sent {
            "Thank you. The school office will look at your reason."
        } else {
            "A reason for this day is already waiting for the school office."
        },
    );
    Ok(see_other(&format!("/parent/children/{student_id}")))
}
