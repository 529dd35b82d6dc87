//! `/dashboard`: a principal's school, or the district's schools side by side, with today's
//! registers live and the term's figures and trends from the summaries.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::pct;
use crate::dashboard::queries::{self as q, SchoolCard, Week};
use crate::db;
use crate::error::AppError;
use crate::models::board::{find_board, Boards};
use crate::models::schools::SchoolScope;
use crate::web::layout::{render, Layout};
use crate::web::summary_age::age_note;
use crate::web::CurrentUser;
use crate::AppState;

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
    boards: web::Data<Boards>,
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
        let mut cards = q::list_school_cards(conn, school, now)?;
        // Today live: each school's board, counted at most every few seconds for everyone.
        for card in cards.iter_mut().filter(|c| c.school_day) {
            let board = find_board(conn, (&boards, changes), card.id, card.today, now)?;
            card.count_today(&board);
        }
        let today = cards.first().map_or(now.date_naive(), |c| c.today);
        let bands = q::list_subject_bands(conn, school)?;
        let weeks = q::list_weeks(conn, school, since(&p2, today))?;
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
