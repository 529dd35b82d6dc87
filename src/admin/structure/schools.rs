//! `/admin/schools`: admins create and rename schools; a principal can change their own
//! school's name, time zone and weekend.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde_json::json;

use super::{audit_change, check_school, unique_violation, FormState};
use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::schema::{districts, schools};
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::{CurrentUser, Role};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/schools", web::get().to(list_schools))
        .route("/schools", web::post().to(create_school))
        .route("/schools/{school_id}", web::post().to(update_school));
}

#[derive(Debug, Clone, Queryable)]
pub struct School {
    pub id: i64,
    pub name: String,
    pub timezone: String,
    pub weekend_days: Vec<Option<i16>>,
}

pub const WEEKDAYS: [(i16, &str); 7] = [
    (1, "Mon"),
    (2, "Tue"),
    (3, "Wed"),
    (4, "Thu"),
    (5, "Fri"),
    (6, "Sat"),
    (7, "Sun"),
];

#[derive(Template)]
#[template(path = "admin/structure/schools.html")]
struct SchoolsPage {
    layout: Layout,
    schools: Vec<School>,
    can_create: bool,
    state: FormState,
}

impl SchoolsPage {
    fn weekend_checked(&self, key: &str, school: Option<&School>, day: &i16) -> bool {
        if self.state.key == key {
            return self.state.values.contains_key(&format!("weekend_{day}"));
        }
        school.map_or(*day >= 6, |s| s.weekend_days.contains(&Some(*day)))
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
    let schools = db::run(&app.pool, move |conn| {
        let mut q = schools::table.order(schools::name).into_boxed();
        if let Some(id) = scope.filter() {
            q = q.filter(schools::id.eq(id));
        }
        Ok(q.select((
            schools::id,
            schools::name,
            schools::timezone,
            schools::weekend_days,
        ))
        .load::<School>(conn)?)
    })
    .await?;
    render_status(
        &SchoolsPage {
            layout: Layout::new(req, app, "Schools"),
            schools,
            can_create: user.role == Role::Admin,
            state,
        },
        status,
    )
}

pub async fn list_schools(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    page(&req, &app, &user, FormState::default(), StatusCode::OK).await
}

struct SchoolValues {
    name: String,
    timezone: String,
    weekend: Vec<Option<i16>>,
}

fn validate(state: &mut FormState) -> SchoolValues {
    let name = state.text("name", "school's name", 200);
    let timezone = state.get("timezone").to_string();
    let shaped = !timezone.is_empty()
        && timezone.len() <= 64
        && timezone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
        && !timezone.contains("..");
    let known = std::path::Path::new("/usr/share/zoneinfo")
        .is_dir()
        .then(|| {
            std::path::Path::new("/usr/share/zoneinfo")
                .join(&timezone)
                .is_file()
        });
    if !shaped || known == Some(false) {
        state.fail(
            "timezone",
            "Enter a time zone such as Europe/London or America/New_York.",
        );
    }
    let weekend: Vec<Option<i16>> = WEEKDAYS
        .iter()
        .map(|(d, _)| *d)
        .filter(|d| state.values.contains_key(&format!("weekend_{d}")))
        .map(Some)
        .collect();
    if weekend.len() == 7 {
        state.fail(
            "weekend",
            "At least one day of the week must be a school day.",
        );
    }
    SchoolValues {
        name,
        timezone,
        weekend,
    }
}

pub async fn create_school(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let mut state = FormState::new("new", &form);
    let v = validate(&mut state);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let result = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let district: i64 = districts::table
                .select(districts::id)
                .order(districts::id)
                .first(conn)?;
            let id: i64 = diesel::insert_into(schools::table)
                .values((
                    schools::district_id.eq(district),
                    schools::name.eq(&v.name),
                    schools::timezone.eq(&v.timezone),
                    schools::weekend_days.eq(&v.weekend),
                ))
                .returning(schools::id)
                .get_result(conn)?;
            crate::models::school_defaults::insert_school_defaults(conn, id)?;
            audit_change(
                conn,
                &actor,
                "create",
                "school",
                id,
                id,
                None,
                Some(json!({ "name": v.name, "timezone": v.timezone, "weekend_days": v.weekend })),
            )?;
            Ok::<_, diesel::result::Error>(id)
        }))
    })
    .await?;
    match result {
        Ok(_) => {
            flash(&session, "The school is added.");
            Ok(see_other("/admin/schools"))
        }
        Err(e) if unique_violation(&e) => {
            state.fail("name", "A school with this name exists already.");
            page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn update_school(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    check_school(SchoolScope::of(&user), id)?;
    let mut state = FormState::new(format!("school-{id}"), &form);
    let v = validate(&mut state);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let result = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let before: School = schools::table.find(id).select((schools::id, schools::name, schools::timezone, schools::weekend_days)).first(conn)?;
            diesel::update(schools::table.find(id))
                .set((schools::name.eq(&v.name), schools::timezone.eq(&v.timezone), schools::weekend_days.eq(&v.weekend)))
                .execute(conn)?;
            audit_change(conn, &actor, "update", "school", id, id,
                Some(json!({ "name": before.name, "timezone": before.timezone, "weekend_days": before.weekend_days })),
                Some(json!({ "name": v.name, "timezone": v.timezone, "weekend_days": v.weekend })))?;
            Ok::<_, diesel::result::Error>(())
        }))
    })
    .await?;
    match result {
        Ok(()) => {
            flash(&session, "Saved.");
            Ok(see_other("/admin/schools"))
        }
        Err(e) if unique_violation(&e) => {
            state.fail("name", "A school with this name exists already.");
            page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
