//! `/admin/attendance/codes`: each school's attendance codes (what they count as, and whether
//! teachers may use them) and how many days back teachers may change a register.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::actor;
use crate::audit::audit_change;
use crate::db;
use crate::error::AppError;
use crate::models::schools::check_school;
use crate::models::schools::SchoolScope;
use crate::schema::{attendance_codes, schools};
use crate::web::form_state::FormState;
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub const CATEGORIES: [(&str, &str); 4] = [
    ("present", "Present (attended)"),
    ("late", "Late (attended)"),
    ("absent", "Absent (not attended)"),
    ("excused", "Excused (left out of the rate)"),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/attendance/codes", web::get().to(list_codes))
        .route("/attendance/codes", web::post().to(create_code))
        .route("/attendance/codes/{code_id}", web::post().to(update_code))
        .route(
            "/attendance/window/{school_id}",
            web::post().to(update_window),
        );
}

#[derive(Debug, Queryable)]
pub struct CodeRow {
    pub id: i64,
    pub school_id: i64,
    pub code: String,
    pub label: String,
    pub category: String,
    pub teacher_usable: bool,
}

#[derive(Template)]
#[template(path = "attendance/codes.html")]
struct CodesPage {
    layout: Layout,
    schools: Vec<(i64, String, i32)>,
    codes: Vec<CodeRow>,
    state: FormState,
}

impl CodesPage {
    fn codes_of(&self, school: &i64) -> Vec<&CodeRow> {
        self.codes
            .iter()
            .filter(|c| c.school_id == *school)
            .collect()
    }

    fn picked(&self, key: &str, current: &str, value: &str) -> bool {
        self.state.value(key, "category", current) == value
    }

    fn checked(&self, key: &str, current: &bool) -> bool {
        if self.state.key == key {
            self.state.values.contains_key("teacher_usable")
        } else {
            *current
        }
    }
}

async fn page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (schools, codes) = db::run(&app.pool, move |conn| {
        let mut sq = schools::table.order(schools::name).into_boxed();
        let mut cq = attendance_codes::table
            .order((
                attendance_codes::school_id,
                attendance_codes::position,
                attendance_codes::id,
            ))
            .into_boxed();
        if let Some(id) = scope.filter() {
            sq = sq.filter(schools::id.eq(id));
            cq = cq.filter(attendance_codes::school_id.eq(id));
        }
        Ok((
            sq.select((schools::id, schools::name, schools::edit_window_days))
                .load(conn)?,
            cq.select((
                attendance_codes::id,
                attendance_codes::school_id,
                attendance_codes::code,
                attendance_codes::label,
                attendance_codes::category,
                attendance_codes::teacher_usable,
            ))
            .load(conn)?,
        ))
    })
    .await?;
    render_status(
        &CodesPage {
            layout: Layout::new(req, app, "Attendance codes"),
            schools,
            codes,
            state,
        },
        status,
    )
}

pub async fn list_codes(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    page(&req, &app, &user, FormState::default(), StatusCode::OK).await
}

fn validate(state: &mut FormState) -> (String, String, bool) {
    let label = state.text("label", "label", 40);
    let category = state.get("category").to_string();
    if !CATEGORIES.iter().any(|(c, _)| *c == category) {
        state.fail("category", "Choose what the code counts as.");
    }
    (label, category, state.values.contains_key("teacher_usable"))
}

pub async fn create_code(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let mut state = FormState::new("new", &form);
    let schools = db::run(&app.pool, move |conn| {
        Ok(crate::models::schools::schools_in_scope(conn, scope)?)
    })
    .await?;
    let ids: Vec<i64> = schools.iter().map(|(id, _)| *id).collect();
    let school = if ids.len() == 1 {
        ids[0]
    } else {
        state.choice("school_id", &ids, "Choose the school.")
    };
    let code = state.get("code").to_uppercase();
    if !(1..=2).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        state.fail(
            "code",
            "A code is one or two letters or digits, such as M for Medical.",
        );
    }
    let (label, category, usable) = validate(&mut state);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let position: i16 = attendance_codes::table.filter(attendance_codes::school_id.eq(school)).count().get_result::<i64>(conn)? as i16 + 1;
            let id: i64 = diesel::insert_into(attendance_codes::table)
                .values((attendance_codes::school_id.eq(school), attendance_codes::code.eq(&code), attendance_codes::label.eq(&label), attendance_codes::category.eq(&category), attendance_codes::teacher_usable.eq(usable), attendance_codes::position.eq(position)))
                .returning(attendance_codes::id)
                .get_result(conn)?;
            audit_change(conn, &actor, "create", "attendance_code", id, school, None, Some(json!({ "code": code, "label": label, "category": category, "teacher_usable": usable })))
        }))
    })
    .await?;
    crate::web::form_state::answer(
        saved,
        &session,
        "The code is added.",
        "/admin/attendance/codes",
        state,
        ("code", "The school has this code already."),
        |state| page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY),
    )
    .await
}

pub async fn update_code(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let mut state = FormState::new(format!("code-{id}"), &form);
    let (label, category, usable) = validate(&mut state);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (scope, actor) = (SchoolScope::of(&user), actor(&req, &app, &user));
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let mut q = attendance_codes::table.find(id).into_boxed();
            if let Some(own) = scope.filter() {
                q = q.filter(attendance_codes::school_id.eq(own));
            }
            let (school, l, c, u): (i64, String, String, bool) = q
                .select((
                    attendance_codes::school_id,
                    attendance_codes::label,
                    attendance_codes::category,
                    attendance_codes::teacher_usable,
                ))
                .first(conn)?;
            diesel::update(attendance_codes::table.find(id))
                .set((
                    attendance_codes::label.eq(&label),
                    attendance_codes::category.eq(&category),
                    attendance_codes::teacher_usable.eq(usable),
                ))
                .execute(conn)?;
            audit_change(
                conn,
                &actor,
                "update",
                "attendance_code",
                id,
                school,
                Some(json!({ "label": l, "category": c, "teacher_usable": u })),
                Some(json!({ "label": label, "category": category, "teacher_usable": usable })),
            )
        })?)
    })
    .await?;
    flash(&session, "Saved.");
    Ok(see_other("/admin/attendance/codes"))
}

pub async fn update_window(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let school = path.into_inner().0;
    check_school(SchoolScope::of(&user), school)?;
    let mut state = FormState::new(format!("window-{school}"), &form);
    let days = match state.get("edit_window_days").parse::<i32>() {
        Ok(d) if (0..=365).contains(&d) => d,
        _ => {
            state.fail("edit_window_days", "Enter a number of days from 0 to 365.");
            0
        }
    };
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let before: i32 = schools::table
                .find(school)
                .select(schools::edit_window_days)
                .first(conn)?;
            diesel::update(schools::table.find(school))
                .set(schools::edit_window_days.eq(days))
                .execute(conn)?;
            audit_change(
                conn,
                &actor,
                "update",
                "school",
                school,
                school,
                Some(json!({ "edit_window_days": before })),
                Some(json!({ "edit_window_days": days })),
            )
        })?)
    })
    .await?;
    flash(&session, "Saved.");
    Ok(see_other("/admin/attendance/codes"))
}
