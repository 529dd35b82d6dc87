//! `/admin/subjects`: the subjects a school teaches.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde_json::json;

use super::{audit_change, schools_in_scope, FormState};
use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::schema::{schools, subjects};
use crate::web::layout::{render_status, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/subjects", web::get().to(list_subjects))
        .route("/subjects", web::post().to(create_subject))
        .route("/subjects/{subject_id}", web::post().to(update_subject));
}

#[derive(Debug, Queryable)]
pub struct Subject {
    pub id: i64,
    pub school_name: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/structure/subjects.html")]
struct SubjectsPage {
    layout: Layout,
    schools: Vec<(i64, String)>,
    subjects: Vec<Subject>,
    state: FormState,
}

async fn page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (schools, list) = db::run(&app.pool, move |conn| {
        let mut q = subjects::table.inner_join(schools::table).into_boxed();
        if let Some(id) = scope.filter() {
            q = q.filter(subjects::school_id.eq(id));
        }
        let list = q
            .order((schools::name, subjects::name))
            .select((subjects::id, schools::name, subjects::name))
            .load::<Subject>(conn)?;
        Ok((schools_in_scope(conn, scope)?, list))
    })
    .await?;
    render_status(
        &SubjectsPage {
            layout: Layout::new(req, app, "Subjects"),
            schools,
            subjects: list,
            state,
        },
        status,
    )
}

pub async fn list_subjects(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    page(&req, &app, &user, FormState::default(), StatusCode::OK).await
}

pub async fn create_subject(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let mut state = FormState::new("new", &form);
    let schools = db::run(&app.pool, move |conn| Ok(schools_in_scope(conn, scope)?)).await?;
    let ids: Vec<i64> = schools.iter().map(|(id, _)| *id).collect();
    let school = if ids.len() == 1 {
        ids[0]
    } else {
        state.choice("school_id", &ids, "Choose the school.")
    };
    let name = state.text("name", "subject's name", 100);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let id: i64 = diesel::insert_into(subjects::table)
                .values((subjects::school_id.eq(school), subjects::name.eq(&name)))
                .returning(subjects::id)
                .get_result(conn)?;
            audit_change(
                conn,
                &actor,
                "create",
                "subject",
                id,
                school,
                None,
                Some(json!({ "name": name })),
            )
        }))
    })
    .await?;
    done(req, app, user, session, state, saved).await
}

async fn done(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    state: FormState,
    saved: QueryResult<()>,
) -> Result<HttpResponse, AppError> {
    super::answer(
        saved,
        &session,
        "Saved.",
        "/admin/subjects",
        state,
        ("name", "The school has a subject with this name already."),
        |state| page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY),
    )
    .await
}

pub async fn update_subject(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let mut state = FormState::new(format!("subject-{id}"), &form);
    let name = state.text("name", "subject's name", 100);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let (scope, actor) = (SchoolScope::of(&user), actor(&req, &app, &user));
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let mut q = subjects::table.find(id).into_boxed();
            if let Some(own) = scope.filter() {
                q = q.filter(subjects::school_id.eq(own));
            }
            let (school, before): (i64, String) = q
                .select((subjects::school_id, subjects::name))
                .first(conn)?;
            diesel::update(subjects::table.find(id))
                .set(subjects::name.eq(&name))
                .execute(conn)?;
            audit_change(
                conn,
                &actor,
                "update",
                "subject",
                id,
                school,
                Some(json!({ "name": before })),
                Some(json!({ "name": name })),
            )
        }))
    })
    .await?;
    if let Err(diesel::result::Error::NotFound) = saved {
        return Err(AppError::NotFound);
    }
    done(req, app, user, session, state, saved).await
}
