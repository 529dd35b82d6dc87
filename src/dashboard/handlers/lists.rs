//! The at-risk and high-performer lists, with their filters and pages, and the at-risk CSV.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::pct;
use crate::dashboard::queries::{self as q, Flagged, FlaggedPage, List, ListFilter};
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::web::layout::{render, Layout};
use crate::web::summary_age::age_note;
use crate::web::CurrentUser;
use crate::AppState;

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
) -> Result<(FlaggedPage, Vec<q::ClassOption>, Option<DateTime<Utc>>), AppError> {
    let school = SchoolScope::of(user).filter();
    let mut filter = query.filter();
    if every_row {
        filter.page = 0;
    }
    db::run(&state.pool, move |conn| {
        let rows = q::list_flagged(conn, school, &filter, list, !every_row)?;
        // The CSV export has no filter form to fill.
        let (classes, refreshed) = if every_row {
            (Vec::new(), crate::models::insight::find_last_refresh(conn)?)
        } else {
            q::list_class_options(conn, school)?
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
    let (FlaggedPage { total, rows }, classes, refreshed) =
        load_list(&state, &user, &query, list, false).await?;
    let mut grades: Vec<String> = classes.iter().map(|c| c.grade_level.clone()).collect();
    grades.sort();
    grades.dedup();
    let (heading, path) = match list {
        List::AtRisk => ("Students at risk", "/dashboard/at-risk"),
        List::HighPerformers => ("High performers", "/dashboard/high-performers"),
    };
    let filter = query.filter();
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
    let (FlaggedPage { rows, .. }, _, _) =
        load_list(&state, &user, &query, List::AtRisk, true).await?;
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
