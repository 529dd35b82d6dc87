//! `/admin/audit`: who changed or opened what, newest first. Admins see every row; principals the
//! rows about their own school.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::web::layout::{render, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub const PAGE_SIZE: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list_audit));
}

#[derive(Debug, QueryableByName)]
pub struct AuditRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub ip: Option<String>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub entity: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub entity_id: Option<i64>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub before: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub after: Option<serde_json::Value>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// A field change for display.
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "—".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

impl AuditRow {
    pub fn changes(&self) -> Vec<Change> {
        let empty = serde_json::Map::new();
        let before = self
            .before
            .as_ref()
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let after = self
            .after
            .as_ref()
            .and_then(|v| v.as_object())
            .unwrap_or(&empty);
        let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
        fields.sort();
        fields.dedup();
        fields
            .into_iter()
            .map(|f| Change {
                field: f.clone(),
                before: show(before.get(f)),
                after: show(after.get(f)),
            })
            .collect()
    }

    /// Where the record can be seen, if it has a page.
    pub fn link(&self) -> Option<String> {
        let id = self.entity_id?;
        match self.entity.as_str() {
            "user" => Some(format!("/admin/users/{id}")),
            "student" => Some(format!("/admin/students/{id}")),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    person: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    query: AuditQuery,
    rows: Vec<AuditRow>,
    total: i64,
    page: i64,
    pages: i64,
    error: Option<String>,
}

impl AuditPage {
    fn page_url(&self, page: i64) -> String {
        let q = &self.query;
        format!(
            "/admin/audit?person={}&entity={}&entity_id={}&from={}&to={}&page={page}",
            crate::web::urlencode(&q.person),
            crate::web::urlencode(&q.entity),
            crate::web::urlencode(&q.entity_id),
            crate::web::urlencode(&q.from),
            crate::web::urlencode(&q.to)
        )
    }
}

fn parse_date(raw: &str) -> Result<Option<NaiveDate>, String> {
    crate::domain::dates::parse_optional_day(raw).map_err(|e| e.to_string())
}

pub async fn list_audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let scope = SchoolScope::of(&user);
    let page_index = query.page.unwrap_or(1).clamp(1, 100_000) - 1;
    let (from, to, error) = match (parse_date(&query.from), parse_date(&query.to)) {
        (Ok(f), Ok(t)) => (f, t, None),
        (Err(e), _) | (_, Err(e)) => (None, None, Some(e)),
    };
    let person = query.person.trim().chars().take(100).collect::<String>();
    let entity = query.entity.trim().chars().take(40).collect::<String>();
    let entity_id = query.entity_id.trim().parse::<i64>().ok();
    let rows = db::run(&state.pool, move |conn| {
        Ok(
            crate::db::statement(include_str!("sql/list_audit_entries.sql"))
                .bind::<Nullable<BigInt>, _>(scope.filter())
                .bind::<Nullable<Text>, _>(
                    (!person.is_empty())
                        .then(|| crate::admin::users::queries::contains_pattern(&person)),
                )
                .bind::<Nullable<Text>, _>((!entity.is_empty()).then_some(entity))
                .bind::<Nullable<BigInt>, _>(entity_id)
                .bind::<Nullable<diesel::sql_types::Date>, _>(from)
                .bind::<Nullable<diesel::sql_types::Date>, _>(to)
                .bind::<BigInt, _>(PAGE_SIZE)
                .bind::<BigInt, _>(page_index * PAGE_SIZE)
                .load::<AuditRow>(conn)?,
        )
    })
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    render(&AuditPage {
        layout: Layout::new(&req, &state, "Audit trail"),
        query,
        rows,
        total,
        page: page_index + 1,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        error,
    })
}
