//! `/admin/classes`: classes of each academic year with their grade level and homeroom teacher.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde_json::json;

use super::{audit_change, FormState};
use crate::admin::handlers::actor;
use crate::admin::queries::SchoolScope;
use crate::db;
use crate::error::AppError;
use crate::schema::{academic_years, classes, schools, users};
use crate::web::layout::{render_status, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/classes", web::get().to(list_classes))
        .route("/classes", web::post().to(create_class))
        .route("/classes/{class_id}", web::post().to(update_class));
}

#[derive(Debug, Queryable)]
pub struct ClassRow {
    pub id: i64,
    pub school_id: i64,
    pub school_name: String,
    pub year_id: i64,
    pub year_name: String,
    pub name: String,
    pub grade_level: String,
    pub homeroom_teacher_id: Option<i64>,
}

/// (id, school_id, label) choices.
type Choices = Vec<(i64, i64, String)>;

#[derive(Template)]
#[template(path = "admin/structure/classes.html")]
struct ClassesPage {
    layout: Layout,
    classes: Vec<ClassRow>,
    years: Choices,
    teachers: Choices,
    multi_school: bool,
    state: FormState,
}

impl ClassesPage {
    fn picked(&self, key: &str, field: &str, current: &str, id: &i64) -> bool {
        self.state.value(key, field, current) == id.to_string()
    }

    fn opt(&self, v: &Option<i64>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
}

fn load_choices(conn: &mut PgConnection, scope: SchoolScope) -> QueryResult<(Choices, Choices)> {
    let mut yq = academic_years::table
        .inner_join(schools::table)
        .into_boxed();
    let mut tq = users::table
        .filter(users::role.eq("teacher"))
        .filter(users::active.eq(true))
        .into_boxed();
    if let Some(id) = scope.filter() {
        yq = yq.filter(academic_years::school_id.eq(id));
        tq = tq.filter(users::school_id.eq(id));
    }
    let years = yq
        .order((schools::name, academic_years::starts_on.desc()))
        .select((
            academic_years::id,
            academic_years::school_id,
            academic_years::name.concat(" · ").concat(schools::name),
        ))
        .load(conn)?;
    let teachers = tq
        .order(users::display_name)
        .select((
            users::id,
            users::school_id.assume_not_null(),
            users::display_name,
        ))
        .load(conn)?;
    Ok((years, teachers))
}

async fn page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (list, (years, teachers)) = db::run(&app.pool, move |conn| {
        let mut q = classes::table
            .inner_join(schools::table)
            .inner_join(academic_years::table)
            .into_boxed();
        if let Some(id) = scope.filter() {
            q = q.filter(classes::school_id.eq(id));
        }
        let list = q
            .order((
                schools::name,
                academic_years::starts_on.desc(),
                classes::grade_level,
                classes::name,
            ))
            .select((
                classes::id,
                classes::school_id,
                schools::name,
                academic_years::id,
                academic_years::name,
                classes::name,
                classes::grade_level,
                classes::homeroom_teacher_id,
            ))
            .load::<ClassRow>(conn)?;
        Ok((list, load_choices(conn, scope)?))
    })
    .await?;
    let multi_school = scope.filter().is_none();
    render_status(
        &ClassesPage {
            layout: Layout::new(req, app, "Classes"),
            classes: list,
            years,
            teachers,
            multi_school,
            state,
        },
        status,
    )
}

pub async fn list_classes(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    page(&req, &app, &user, FormState::default(), StatusCode::OK).await
}

struct ClassValues {
    year: i64,
    school: i64,
    name: String,
    grade: String,
    homeroom: Option<i64>,
}

fn validate(state: &mut FormState, years: &Choices, teachers: &Choices) -> ClassValues {
    let year_ids: Vec<i64> = years.iter().map(|y| y.0).collect();
    let year = state.choice("academic_year_id", &year_ids, "Choose the academic year.");
    let school = years.iter().find(|y| y.0 == year).map_or(0, |y| y.1);
    let name = state.text("name", "class name", 100);
    let grade = state.text("grade_level", "grade level", 20);
    // Only teachers of the class's own school can be its homeroom teacher.
    let same_school: Vec<i64> = teachers
        .iter()
        .filter(|t| t.1 == school)
        .map(|t| t.0)
        .collect();
    let homeroom = state.optional_choice(
        "homeroom_teacher_id",
        &same_school,
        "Choose a teacher of this school.",
    );
    ClassValues {
        year,
        school,
        name,
        grade,
        homeroom,
    }
}

async fn save(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: Vec<(String, String)>,
    class_id: Option<i64>,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let key = class_id.map_or("new".to_string(), |id| format!("class-{id}"));
    let mut state = FormState::new(key, &form);
    let (years, teachers) = db::run(&app.pool, move |conn| Ok(load_choices(conn, scope)?)).await?;
    let v = validate(&mut state, &years, &teachers);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let after = json!({ "academic_year_id": v.year, "name": v.name, "grade_level": v.grade, "homeroom_teacher_id": v.homeroom });
            match class_id {
                Some(id) => {
                    let mut q = classes::table.find(id).into_boxed();
                    if let Some(own) = scope.filter() {
                        q = q.filter(classes::school_id.eq(own));
                    }
                    let (school, y, n, g, h): (i64, i64, String, String, Option<i64>) = q
                        .select((classes::school_id, classes::academic_year_id, classes::name, classes::grade_level, classes::homeroom_teacher_id))
                        .first(conn)?;
                    if school != v.school {
                        return Err(diesel::result::Error::NotFound);
                    }
                    diesel::update(classes::table.find(id))
                        .set((classes::academic_year_id.eq(v.year), classes::name.eq(&v.name), classes::grade_level.eq(&v.grade), classes::homeroom_teacher_id.eq(v.homeroom)))
                        .execute(conn)?;
                    audit_change(conn, &actor, "update", "class", id, school,
                        Some(json!({ "academic_year_id": y, "name": n, "grade_level": g, "homeroom_teacher_id": h })), Some(after))
                }
                None => {
                    let id: i64 = diesel::insert_into(classes::table)
                        .values((classes::school_id.eq(v.school), classes::academic_year_id.eq(v.year), classes::name.eq(&v.name), classes::grade_level.eq(&v.grade), classes::homeroom_teacher_id.eq(v.homeroom)))
                        .returning(classes::id)
                        .get_result(conn)?;
                    audit_change(conn, &actor, "create", "class", id, v.school, None, Some(after))
                }
            }
        }))
    })
    .await?;
    super::answer(
        saved,
        &session,
        "Saved.",
        "/admin/classes",
        state,
        ("name", "That year has a class with this name already."),
        |state| page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY),
    )
    .await
}

pub async fn create_class(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save(req, app, user, session, form.into_inner(), None).await
}

pub async fn update_class(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save(
        req,
        app,
        user,
        session,
        form.into_inner(),
        Some(path.into_inner().0),
    )
    .await
}
