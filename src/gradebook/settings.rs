//! `/admin/settings`: each school's gradebook rules (missing work, what parents see), letter
//! grade scale, assessment categories and behaviour categories. Admins for every school,
//! principals for their own; every change audited.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Double, Text};
use serde_json::json;

use crate::audit::actor;
use crate::audit::audit_change;
use crate::db;
use crate::error::AppError;
use crate::models::schools::check_school;
use crate::models::schools::SchoolScope;
use crate::web::form_state::FormState;
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings", web::get().to(show))
        .route("/settings/{school_id}/rules", web::post().to(save_rules))
        .route("/settings/{school_id}/grades", web::post().to(save_grades))
        .route(
            "/settings/{school_id}/thresholds",
            web::post().to(save_thresholds),
        )
        .route(
            "/settings/{school_id}/assessment-categories",
            web::post().to(add_assessment_category),
        )
        .route(
            "/settings/{school_id}/behaviour-categories",
            web::post().to(add_behaviour_category),
        );
}

#[derive(QueryableByName, Debug)]
pub struct SchoolSettings {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Bool)]
    pub missing_counts_as_zero: bool,
    #[diesel(sql_type = Bool)]
    pub parents_see_class_average: bool,
    #[diesel(sql_type = Bool)]
    pub parents_see_behaviour: bool,
    /// "A:90,B:80,…" highest first.
    #[diesel(sql_type = Text)]
    pub bands: String,
    #[diesel(sql_type = Text)]
    pub assessment_categories: String,
    #[diesel(sql_type = Text)]
    pub behaviour_categories: String,
    /// The early-warning thresholds, as shown in their fields.
    #[diesel(sql_type = Text)]
    pub risk_attendance_below: String,
    #[diesel(sql_type = Text)]
    pub risk_average_below: String,
    #[diesel(sql_type = Text)]
    pub risk_negative_records: String,
    #[diesel(sql_type = Text)]
    pub risk_absence_streak: String,
    #[diesel(sql_type = Text)]
    pub high_average_from: String,
    #[diesel(sql_type = Text)]
    pub high_attendance_from: String,
}

impl SchoolSettings {
    pub fn band_list(&self) -> Vec<(String, String)> {
        self.bands
            .split(',')
            .filter(|b| !b.is_empty())
            .filter_map(|b| b.split_once(':'))
            .map(|(l, m)| (l.to_string(), m.to_string()))
            .collect()
    }
    pub fn list(raw: &str) -> Vec<String> {
        raw.split('\u{1f}')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Template)]
#[template(path = "gradebook/settings.html")]
struct Page {
    layout: Layout,
    schools: Vec<SchoolSettings>,
    state: FormState,
}

impl Page {
    fn v(&self, key: &str, field: &str, default: &str) -> String {
        self.state.value(key, field, default)
    }
    fn err(&self, key: &str, field: &str) -> Option<&str> {
        self.state.error(key, field)
    }
    fn checked(&self, key: &str, field: &str, current: &bool) -> bool {
        if self.state.key == key {
            self.state.values.contains_key(field)
        } else {
            *current
        }
    }
    fn threshold(&self, s: &SchoolSettings, name: &str) -> String {
        let current = match name {
            "risk_attendance_below" => &s.risk_attendance_below,
            "risk_average_below" => &s.risk_average_below,
            "risk_negative_records" => &s.risk_negative_records,
            "risk_absence_streak" => &s.risk_absence_streak,
            "high_average_from" => &s.high_average_from,
            _ => &s.high_attendance_from,
        };
        self.state.value(&format!("risk-{}", s.id), name, current)
    }
    fn thresholds(&self) -> [(&'static str, &'static str, bool, f64, f64); 6] {
        THRESHOLDS
    }
    fn key(&self, kind: &str, id: &i64) -> String {
        format!("{kind}-{id}")
    }
    fn categories(&self, raw: &str) -> Vec<String> {
        SchoolSettings::list(raw)
    }
    /// Band rows: the stored ones, then two empty rows to add more.
    fn band_rows(&self, s: &SchoolSettings) -> Vec<(usize, String, String)> {
        let mut rows: Vec<(usize, String, String)> = s
            .band_list()
            .into_iter()
            .enumerate()
            .map(|(i, (l, m))| (i, l, m))
            .collect();
        let n = rows.len();
        rows.push((n, String::new(), String::new()));
        rows.push((n + 1, String::new(), String::new()));
        rows
    }
}

async fn page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user).filter();
    let schools = db::run(&app.pool, move |conn| {
        Ok(db::statement(include_str!("sql/list_school_settings.sql"))
            .bind::<diesel::sql_types::Nullable<BigInt>, _>(scope)
            .load::<SchoolSettings>(conn)?)
    })
    .await?;
    render_status(
        &Page {
            layout: Layout::new(req, app, "School settings"),
            schools,
            state,
        },
        status,
    )
}

pub async fn show(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    page(&req, &app, &user, FormState::default(), StatusCode::OK).await
}

fn school_in_scope(user: &CurrentUser, school_id: i64) -> Result<(), AppError> {
    check_school(SchoolScope::of(user), school_id)
}

/// Locks the school's row for the change (NotFound when there is no such school).
fn lock_school(conn: &mut PgConnection, school_id: i64) -> QueryResult<()> {
    use crate::schema::schools::dsl as s;
    let n = s::schools
        .find(school_id)
        .select(s::id)
        .for_update()
        .execute(conn)?;
    if n == 0 {
        return Err(diesel::result::Error::NotFound);
    }
    Ok(())
}

pub async fn save_rules(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let school_id = path.into_inner().0;
    school_in_scope(&user, school_id)?;
    let has = |k: &str| form.iter().any(|(f, v)| f == k && !v.is_empty());
    let (zero, avg, beh) = (
        has("missing_counts_as_zero"),
        has("parents_see_class_average"),
        has("parents_see_behaviour"),
    );
    let actor = actor(&req, &app, &user);
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            use crate::schema::schools::dsl as s;
            let n = diesel::update(s::schools.find(school_id))
                .set((
                    s::missing_counts_as_zero.eq(zero),
                    s::parents_see_class_average.eq(avg),
                    s::parents_see_behaviour.eq(beh),
                ))
                .execute(conn)?;
            if n == 0 {
                return Err(diesel::result::Error::NotFound);
            }
            let after = json!({ "missing_counts_as_zero": zero, "parents_see_class_average": avg, "parents_see_behaviour": beh });
            audit_change(conn, &actor, "update", "school_gradebook_rules", school_id, school_id, None, Some(after))
        })?)
    })
    .await?;
    flash(&session, "Gradebook rules saved.");
    Ok(see_other("/admin/settings"))
}

pub async fn save_grades(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let school_id = path.into_inner().0;
    school_in_scope(&user, school_id)?;
    let key = format!("grades-{school_id}");
    let mut fs = FormState::new(key.clone(), &form);
    let mut letters = Vec::new();
    let mut mins = Vec::new();
    for i in 0..30 {
        let (lf, mf) = (format!("letter_{i}"), format!("min_{i}"));
        if !fs.values.contains_key(&lf) {
            continue;
        }
        let (letter, min) = (fs.get(&lf).to_string(), fs.get(&mf).to_string());
        if letter.is_empty() && min.is_empty() {
            continue;
        }
        if letter.is_empty()
            || letter.chars().count() > 3
            || !letter
                .chars()
                .all(|c| c.is_alphanumeric() || c == '+' || c == '-')
        {
            fs.fail(&lf, "A grade is 1 to 3 letters, digits, + or −.");
            continue;
        }
        let value = match crate::domain::grades::parse_entry(&min, 100.0) {
            Ok(Some(crate::domain::grades::Entry::Score(v))) => v,
            _ => {
                fs.fail(
                    &mf,
                    "Enter the lowest percentage for this grade: 0 to 100, at most two decimals.",
                );
                continue;
            }
        };
        if letters.contains(&letter) {
            fs.fail(&lf, "Each grade appears once.");
        } else if mins.contains(&value) {
            fs.fail(&mf, "Two grades cannot start at the same percentage.");
        }
        letters.push(letter);
        mins.push(value);
    }
    if fs.ok() && !mins.contains(&0.0) {
        fs.fail(
            "min_0",
            "One grade must start at 0 so that every percentage has a grade.",
        );
    }
    if !fs.ok() {
        return page(&req, &app, &user, fs, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let after = json!(letters
        .iter()
        .zip(&mins)
        .map(|(l, m)| json!({ "letter": l, "min_percent": m }))
        .collect::<Vec<_>>());
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            lock_school(conn, school_id)?;
            {
                use crate::schema::grade_bands::dsl as g;
                diesel::delete(g::grade_bands.filter(g::school_id.eq(school_id))).execute(conn)?;
            }
            db::statement(include_str!("sql/insert_grade_bands.sql"))
                .bind::<BigInt, _>(school_id)
                .bind::<Array<Text>, _>(letters)
                .bind::<Array<Double>, _>(mins)
                .execute(conn)?;
            audit_change(
                conn,
                &actor,
                "update",
                "grade_scale",
                school_id,
                school_id,
                None,
                Some(after),
            )
        })?)
    })
    .await?;
    flash(&session, "Grade scale saved.");
    Ok(see_other("/admin/settings"))
}

async fn add_category(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    school_id: i64,
    form: Vec<(String, String)>,
    behaviour: bool,
) -> Result<HttpResponse, AppError> {
    school_in_scope(&user, school_id)?;
    let key = format!("{}-{school_id}", if behaviour { "bcat" } else { "acat" });
    let mut fs = FormState::new(key, &form);
    let name = fs.text("name", "category name", if behaviour { 60 } else { 40 });
    let kind = fs.get("kind").to_string();
    if behaviour && kind != "positive" && kind != "negative" {
        fs.fail("kind", "Choose positive or negative.");
    }
    if !fs.ok() {
        return page(&req, &app, &user, fs, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let (n, k) = (name.clone(), kind.clone());
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            lock_school(conn, school_id)?;
            let row: Option<crate::db::IdRow> = if behaviour {
                db::statement(include_str!("sql/insert_behaviour_category.sql"))
                    .bind::<BigInt, _>(school_id)
                    .bind::<Text, _>(n.clone())
                    .bind::<Text, _>(k.clone())
                    .get_result(conn)
                    .optional()?
            } else {
                db::statement(include_str!("sql/insert_assessment_category.sql"))
                    .bind::<BigInt, _>(school_id)
                    .bind::<Text, _>(n.clone())
                    .get_result(conn)
                    .optional()?
            };
            if let Some(row) = &row {
                let entity = if behaviour {
                    "behaviour_category"
                } else {
                    "assessment_category"
                };
                audit_change(
                    conn,
                    &actor,
                    "create",
                    entity,
                    row.id,
                    school_id,
                    None,
                    Some(json!({ "name": n, "kind": k })),
                )?;
            }
            Ok::<_, diesel::result::Error>(row.is_some())
        })?)
    })
    .await?;
    if !saved {
        fs.fail("name", "This school already has a category with that name.");
        return page(&req, &app, &user, fs, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    flash(&session, format!("Category “{name}” added."));
    Ok(see_other("/admin/settings"))
}

pub async fn add_assessment_category(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    add_category(
        req,
        app,
        user,
        session,
        path.into_inner().0,
        form.into_inner(),
        false,
    )
    .await
}

pub async fn add_behaviour_category(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    add_category(
        req,
        app,
        user,
        session,
        path.into_inner().0,
        form.into_inner(),
        true,
    )
    .await
}

/// The early-warning fields: (name, label, percentage or whole number, lowest, highest).
pub const THRESHOLDS: [(&str, &str, bool, f64, f64); 6] = [
    (
        "risk_attendance_below",
        "At risk when term attendance is below (%)",
        true,
        0.0,
        100.0,
    ),
    (
        "risk_average_below",
        "At risk when the term average is below (%)",
        true,
        0.0,
        100.0,
    ),
    (
        "risk_negative_records",
        "At risk with this many negative behaviour records in 30 days",
        false,
        1.0,
        100.0,
    ),
    (
        "risk_absence_streak",
        "At risk when absent this many school days in a row",
        false,
        1.0,
        60.0,
    ),
    (
        "high_average_from",
        "High performer from an average of (%)",
        true,
        0.0,
        100.0,
    ),
    (
        "high_attendance_from",
        "… and attendance of (%)",
        true,
        0.0,
        100.0,
    ),
];

pub async fn save_thresholds(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let school_id = path.into_inner().0;
    school_in_scope(&user, school_id)?;
    let mut fs = FormState::new(format!("risk-{school_id}"), &form);
    let mut values = Vec::new();
    for (name, _, percent, low, high) in THRESHOLDS {
        let raw = fs.get(name).to_string();
        let parsed = if percent {
            match crate::domain::grades::parse_entry(&raw, high) {
                Ok(Some(crate::domain::grades::Entry::Score(v))) if v >= low => Some(v),
                _ => None,
            }
        } else {
            raw.parse::<u32>()
                .ok()
                .map(f64::from)
                .filter(|v| (low..=high).contains(v))
        };
        match parsed {
            Some(v) => values.push(v),
            None => {
                fs.fail(
                    name,
                    if percent {
                        "Enter a percentage from 0 to 100 (at most two decimals).".to_string()
                    } else {
                        format!("Enter a whole number from {low} to {high}.")
                    },
                );
                values.push(0.0);
            }
        }
    }
    if !fs.ok() {
        return page(&req, &app, &user, fs, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let after = json!(THRESHOLDS
        .iter()
        .zip(&values)
        .map(|(t, v)| (t.0.to_string(), *v))
        .collect::<std::collections::BTreeMap<_, _>>());
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            lock_school(conn, school_id)?;
            db::statement(include_str!("sql/update_school_thresholds.sql"))
                .bind::<BigInt, _>(school_id)
                .bind::<Double, _>(values[0])
                .bind::<Double, _>(values[1])
                .bind::<Double, _>(values[2])
                .bind::<Double, _>(values[3])
                .bind::<Double, _>(values[4])
                .bind::<Double, _>(values[5])
                .execute(conn)?;
            crate::models::insight::apply_thresholds(conn, Some(school_id))?;
            audit_change(
                conn,
                &actor,
                "update",
                "school_thresholds",
                school_id,
                school_id,
                None,
                Some(after),
            )
        })?)
    })
    .await?;
    flash(
        &session,
        "Early-warning thresholds saved. Lists use them at once.",
    );
    Ok(see_other("/admin/settings"))
}
