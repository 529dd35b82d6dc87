//! `/dashboard` (principals: their school; admins: the district, schools side by side), the
//! at-risk and high-performer lists (with CSV), a student's profile, and `/teacher/dashboard`.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::dashboard::queries::{self as q, Flagged, List, ListFilter, SchoolCard, Week};
use crate::db;
use crate::domain::attendance::{format_rate, Tally};
use crate::domain::grades::format_percent;
use crate::error::AppError;
use crate::gradebook::queries as gq;
use crate::models::schools::SchoolScope;
use crate::web::layout::{render, Layout};
use crate::web::summary_age::age_note;
use crate::web::CurrentUser;
use crate::AppState;

fn pct(v: Option<f64>) -> String {
    format_percent(v)
}

#[derive(Deserialize, Default)]
pub struct DashQuery {
    period: Option<String>,
}

struct SubjectRow {
    subject: String,
    average: String,
    students: i64,
    bands: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    district: bool,
    cards: Vec<SchoolCard>,
    total: Option<SchoolCard>,
    subjects: Vec<SubjectRow>,
    letters: Vec<String>,
    weeks: Vec<Week>,
    period: String,
    attendance_chart: String,
    score_chart: String,
    age: String,
}

impl DashboardPage {
    fn pct<T: std::borrow::Borrow<Option<f64>>>(&self, v: T) -> String {
        pct(*v.borrow())
    }
    fn band(&self, row: &SubjectRow, letter: &str) -> i64 {
        row.bands
            .iter()
            .find(|(l, _)| l == letter)
            .map_or(0, |(_, n)| *n)
    }
}

fn since(period: &str, today: NaiveDate) -> NaiveDate {
    match period {
        "90" => today - chrono::Duration::days(90),
        "year" => today - chrono::Duration::days(365),
        _ => today - chrono::Duration::days(30),
    }
}

pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    boards: web::Data<crate::models::board::Boards>,
    user: CurrentUser,
    query: crate::web::Query<DashQuery>,
) -> Result<HttpResponse, AppError> {
    let school = SchoolScope::of(&user).filter();
    let now = state.clock.now();
    let period = match query.period.as_deref() {
        Some(p @ ("90" | "year")) => p.to_string(),
        _ => "30".to_string(),
    };
    let p2 = period.clone();
    let (boards, changes) = (boards.into_inner(), state.registers_changed.now());
    let (cards, bands, weeks, refreshed) = db::run(&state.pool, move |conn| {
        let mut cards = q::school_cards(conn, school, now)?;
        // Today live: each school's board, counted at most every few seconds for everyone.
        for card in cards.iter_mut().filter(|c| c.school_day) {
            let board = crate::models::board::find_board(
                conn,
                (&boards, changes),
                card.id,
                card.today,
                now,
            )?;
            card.count_today(&board);
        }
        let today = cards.first().map_or(now.date_naive(), |c| c.today);
        let bands = q::subject_bands(conn, school)?;
        let weeks = q::weeks(conn, school, since(&p2, today))?;
        let refreshed = crate::models::insight::find_last_refresh(conn)?;
        Ok((cards, bands, weeks, refreshed))
    })
    .await?;
    let district = school.is_none();
    let total = (district && cards.len() > 1).then(|| {
        let mut t = cards[0].clone();
        t.id = 0;
        t.name = "District".into();
        for c in &cards[1..] {
            t.students += c.students;
            t.teachers += c.teachers;
            t.classes += c.classes;
            t.attended_today += c.attended_today;
            t.counted_today += c.counted_today;
            t.registers_taken += c.registers_taken;
            t.average_sum += c.average_sum;
            t.average_count += c.average_count;
            t.high_performers += c.high_performers;
            t.at_risk += c.at_risk;
        }
        // Registers still missing are only those of schools open today.
        t.registers_expected = cards
            .iter()
            .map(|c| c.registers_missing() + c.registers_taken)
            .sum();
        t.school_day = true;
        t
    });
    let mut letters: Vec<(String, f64)> = Vec::new();
    let mut subjects: Vec<SubjectRow> = Vec::new();
    for b in bands {
        if !letters.iter().any(|(l, _)| *l == b.letter) {
            letters.push((b.letter.clone(), b.band_min));
        }
        match subjects.iter_mut().find(|s| s.subject == b.subject) {
            Some(s) => s.bands.push((b.letter.clone(), b.students)),
            None => subjects.push(SubjectRow {
                subject: b.subject.clone(),
                average: pct(Some(b.subject_average)),
                students: b.subject_students,
                bands: vec![(b.letter.clone(), b.students)],
            }),
        }
    }
    letters.sort_by(|a, b| b.1.total_cmp(&a.1));
    let label = |w: &Week| w.week.format("week of %-d %b").to_string();
    let attendance_chart = crate::web::chart::percent_line(
        "Attendance rate by week, in percent",
        &weeks
            .iter()
            .map(|w| (label(w), w.rate()))
            .collect::<Vec<_>>(),
    );
    let score_chart = crate::web::chart::percent_line(
        "Average mark by week, in percent",
        &weeks
            .iter()
            .map(|w| (label(w), w.score()))
            .collect::<Vec<_>>(),
    );
    render(&DashboardPage {
        layout: Layout::new(
            &req,
            &state,
            if district {
                "District dashboard"
            } else {
                "School dashboard"
            },
        ),
        district,
        cards,
        total,
        subjects,
        letters: letters.into_iter().map(|(l, _)| l).collect(),
        weeks,
        period,
        attendance_chart,
        score_chart,
        age: age_note(refreshed, now),
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    class_id: Option<String>,
    grade: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> ListFilter {
        ListFilter {
            class_id: self.class_id.as_deref().and_then(|c| c.parse().ok()),
            grade_level: self.grade.clone().filter(|g| !g.trim().is_empty()),
            sort: self.sort.clone().unwrap_or_default(),
            page: self
                .page
                .as_deref()
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| (1..=10_000).contains(p))
                .unwrap_or(1),
        }
    }
    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("class_id", self.class_id.clone().unwrap_or_default()),
            ("grade", self.grade.clone().unwrap_or_default()),
            ("sort", self.sort.clone().unwrap_or_default()),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "dashboard/list.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    path: String,
    rows: Vec<Flagged>,
    classes: Vec<q::ClassOption>,
    grades: Vec<String>,
    filter: ListFilter,
    query: String,
    at_risk: bool,
    district: bool,
    age: String,
    total: i64,
    first: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

impl ListPage {
    fn pct<T: std::borrow::Borrow<Option<f64>>>(&self, v: T) -> String {
        pct(*v.borrow())
    }
    fn picked_class(&self, id: &i64) -> bool {
        self.filter.class_id == Some(*id)
    }
    fn picked_grade(&self, g: &str) -> bool {
        self.filter.grade_level.as_deref() == Some(g)
    }
}

async fn load_list(
    state: &AppState,
    user: &CurrentUser,
    query: &ListQuery,
    list: List,
    every_row: bool,
) -> Result<(Vec<Flagged>, Vec<q::ClassOption>, Option<DateTime<Utc>>), AppError> {
    let school = SchoolScope::of(user).filter();
    let now = state.clock.now();
    let mut filter = query.filter();
    if every_row {
        filter.page = 0;
    }
    db::run(&state.pool, move |conn| {
        let today = now.date_naive();
        let rows = q::flagged(conn, school, &filter, list, today)?;
        // The CSV export has no filter form to fill.
        let (classes, refreshed) = if every_row {
            (Vec::new(), crate::models::insight::find_last_refresh(conn)?)
        } else {
            q::class_options(conn, school)?
        };
        Ok((rows, classes, refreshed))
    })
    .await
}

async fn list_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: ListQuery,
    list: List,
) -> Result<HttpResponse, AppError> {
    let (rows, classes, refreshed) = load_list(&state, &user, &query, list, false).await?;
    let mut grades: Vec<String> = classes.iter().map(|c| c.grade_level.clone()).collect();
    grades.sort();
    grades.dedup();
    let (heading, path) = match list {
        List::AtRisk => ("Students at risk", "/dashboard/at-risk"),
        List::HighPerformers => ("High performers", "/dashboard/high-performers"),
    };
    let filter = query.filter();
    let total = rows.first().map_or(0, |r| r.total);
    let first = (filter.page - 1) * q::PAGE_SIZE + 1;
    let page_url = |page: i64| {
        let mut q2 = query.clone();
        q2.page = Some(page.to_string());
        format!("{path}?{}&page={page}", q2.query_string())
    };
    if rows.is_empty() && filter.page > 1 {
        // Past the last page (the list shrank, or a hand-typed page): the first page, whose
        // count is right, rather than an empty page claiming no students.
        return Ok(crate::web::layout::see_other(&page_url(1)));
    }
    let prev_url = (filter.page > 1).then(|| page_url(filter.page - 1));
    let next_url = (filter.page * q::PAGE_SIZE < total).then(|| page_url(filter.page + 1));
    render(&ListPage {
        total,
        first,
        prev_url,
        next_url,
        layout: Layout::new(&req, &state, heading),
        heading: heading.into(),
        path: path.into(),
        rows,
        classes,
        grades,
        filter: query.filter(),
        query: query.query_string(),
        at_risk: list == List::AtRisk,
        district: SchoolScope::of(&user).filter().is_none(),
        age: age_note(refreshed, state.clock.now()),
    })
}

pub async fn at_risk(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    list_page(req, state, user, query.into_inner(), List::AtRisk).await
}

pub async fn high_performers(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    list_page(req, state, user, query.into_inner(), List::HighPerformers).await
}

/// A CSV field, quoted when needed; a leading `=`, `+`, `-` or `@` is neutralised so spreadsheets
/// never run it as a formula.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// The at-risk list as CSV: the same rows, in the same order, as the page with the same filters.
pub async fn at_risk_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (rows, _, _) = load_list(&state, &user, &query, List::AtRisk, true).await?;
    let mut out = String::from("student_number,name,school,class,grade_level,attendance_rate,overall_average,negative_records_30_days,absence_streak,reasons\r\n");
    let num = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.1}"));
    for r in &rows {
        let fields = [
            r.student_number.clone(),
            r.name.clone(),
            r.school_name.clone(),
            r.class_name.clone().unwrap_or_default(),
            r.grade_level.clone().unwrap_or_default(),
            num(r.attendance_rate),
            num(r.overall_average),
            r.negative_30d.to_string(),
            r.absence_streak.to_string(),
            r.reasons().join("; "),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"at-risk.csv\"",
        ))
        .body(out))
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
    results: Vec<gq::SubjectResult>,
    overall: String,
    behaviour: Vec<gq::BehaviourRecord>,
    participation: Vec<gq::ParticipationRecord>,
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
            let rules = gq::rules_for_student(conn, student_id, now)?;
            let flags = q::student_flags(conn, student_id, rules.today)?;
            let (mut tally, mut results, mut behaviour, mut participation) =
                (Tally::default(), Vec::new(), Vec::new(), Vec::new());
            if let (Some(term), Some(from)) = (rules.term_id, rules.term_starts_on) {
                let q::StudentTerm {
                    tally: counted,
                    marks: gq::MarksAndWeights { marks, weights },
                    scale,
                    records,
                } = q::student_term(conn, student_id, rules.school_id, term, from, rules.today)?;
                tally = counted;
                results = gq::subject_results(&marks, student_id, &weights, rules.policy(), &scale);
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

#[derive(Template)]
#[template(path = "dashboard/teacher.html")]
struct TeacherPage {
    layout: Layout,
    absent_often: Vec<Flagged>,
    slipping: Vec<Flagged>,
    unmarked: Vec<q::Unmarked>,
    age: String,
}

impl TeacherPage {
    fn pct<T: std::borrow::Borrow<Option<f64>>>(&self, v: T) -> String {
        pct(*v.borrow())
    }
}

/// A teacher's own dashboard: for the classes they teach, who has been absent often, who is
/// slipping, and which assessments are not yet marked.
pub async fn teacher(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (teacher, now) = (user.id, state.clock.now());
    let (students, unmarked, refreshed) = db::run(&state.pool, move |conn| {
        let today = now.date_naive();
        let classes: Vec<i64> = crate::models::classes::list_taught_classes(conn, teacher, today)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let students = q::students_of_classes(conn, &classes, today)?;
        let unmarked = q::unmarked(conn, teacher, today)?;
        Ok((
            students,
            unmarked,
            crate::models::insight::find_last_refresh(conn)?,
        ))
    })
    .await?;
    let absent_often = students
        .iter()
        .filter(|s| s.low_attendance || s.streak)
        .cloned()
        .collect();
    let slipping = students.iter().filter(|s| s.low_average).cloned().collect();
    render(&TeacherPage {
        layout: Layout::new(&req, &state, "My dashboard"),
        absent_often,
        slipping,
        unmarked,
        age: age_note(refreshed, now),
    })
}
