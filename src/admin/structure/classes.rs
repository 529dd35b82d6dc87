//! `/admin/classes`: classes of each academic year with their grade level and homeroom teacher.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde_json::json;

use super::{audit_change, school_of_form, FormState, SchoolQuery};
use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::{picked_school, SchoolScope};
use crate::schema::{academic_years, classes, schools, users};
use crate::web::layout::{render_status, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/classes", web::get().to(list_classes))
        .route("/classes", web::post().to(create_class))
        .route("/classes/{class_id}", web::get().to(edit_class))
        .route("/classes/{class_id}", web::post().to(update_class));
}

/// A class as listed: its year and homeroom teacher by name.
#[derive(Debug, QueryableByName)]
pub struct ClassRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub year_name: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub grade_level: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub homeroom_teacher: Option<String>,
}

/// A school's line on the district's list: how many classes it has.
#[derive(Debug, QueryableByName)]
pub struct SchoolClasses {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub classes: i64,
}

/// (id, school_id, label) choices.
type Choices = Vec<(i64, i64, String)>;

/// The district school by school, or one school's classes with a form to add one.
enum View {
    District(Vec<SchoolClasses>),
    School(Vec<ClassRow>),
}

#[derive(Template)]
#[template(path = "admin/structure/classes.html")]
struct ClassesPage {
    layout: Layout,
    /// The school an admin picked: its id and name.
    picked: Option<(i64, String)>,
    view: View,
    years: Choices,
    teachers: Choices,
    state: FormState,
}

/// One class's form.
#[derive(Template)]
#[template(path = "admin/structure/class.html")]
struct ClassPage {
    layout: Layout,
    id: i64,
    /// Where the list of the class's school is.
    back: String,
    year_id: i64,
    name: String,
    grade_level: String,
    /// The homeroom teacher's id, or empty for none.
    homeroom_teacher_id: String,
    years: Choices,
    teachers: Choices,
    state: FormState,
}

/// The years and active teachers a class of `scope` may have.
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
    asked: Option<String>,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let user_scope = SchoolScope::of(user);
    let scope = user_scope
        .narrowed(asked.as_deref())
        .ok_or(AppError::NotFound)?;
    let (picked, view, (years, teachers)) = db::run(&app.pool, move |conn| {
        let picked = picked_school(conn, user_scope, scope)?;
        let SchoolScope::School(id) = scope else {
            let lines = crate::db::statement(include_str!("sql/list_school_class_counts.sql"))
                .load(conn)?;
            return Ok((picked, View::District(lines), (Vec::new(), Vec::new())));
        };
        let list = crate::db::statement(include_str!("sql/list_school_classes.sql"))
            .bind::<BigInt, _>(id)
            .load(conn)?;
        let choices = load_choices(conn, scope)?;
        Ok((picked, View::School(list), choices))
    })
    .await?;
    render_status(
        &ClassesPage {
            layout: Layout::new(req, app, "Classes"),
            picked,
            view,
            years,
            teachers,
            state,
        },
        status,
    )
}

pub async fn list_classes(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<SchoolQuery>,
) -> Result<HttpResponse, AppError> {
    let asked = query.into_inner().school;
    page(
        &req,
        &app,
        &user,
        asked,
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

/// One class's form, with what was typed and the messages when a save was refused.
async fn class_page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    id: i64,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (class, (years, teachers)) = db::run(&app.pool, move |conn| {
        let mut q = classes::table.find(id).into_boxed();
        if let Some(own) = scope.filter() {
            q = q.filter(classes::school_id.eq(own));
        }
        let class: (i64, i64, String, String, Option<i64>) = q
            .select((
                classes::school_id,
                classes::academic_year_id,
                classes::name,
                classes::grade_level,
                classes::homeroom_teacher_id,
            ))
            .first(conn)?;
        let choices = load_choices(conn, SchoolScope::School(class.0))?;
        Ok((class, choices))
    })
    .await?;
    let (school, year_id, name, grade_level, homeroom_teacher_id) = class;
    render_status(
        &ClassPage {
            layout: Layout::new(req, app, "Class"),
            id,
            back: SchoolScope::of(user).list_url("/admin/classes", school),
            year_id,
            name,
            grade_level,
            homeroom_teacher_id: homeroom_teacher_id
                .map(|t| t.to_string())
                .unwrap_or_default(),
            years,
            teachers,
            state,
        },
        status,
    )
}

pub async fn edit_class(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    class_page(&req, &app, &user, id, FormState::default(), StatusCode::OK).await
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
    let v_school = v.school;
    // A refused form comes back where it was filled in: the class's own page, or the list of
    // the school whose "Add a class" form it was.
    let school = school_of_form(&state, v.school);
    let again = |state: FormState| {
        let (req, app, user) = (&req, &app, &user);
        async move {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            match class_id {
                Some(id) => class_page(req, app, user, id, state, status).await,
                None => page(req, app, user, school, state, status).await,
            }
        }
    };
    if !state.ok() {
        return again(state).await;
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
        &SchoolScope::of(&user).list_url("/admin/classes", v_school),
        state,
        ("name", "That year has a class with this name already."),
        again,
    )
    .await
}

pub async fn create_class(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save(req, app, user, session, form.into_inner(), None).await
}

pub async fn update_class(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
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
