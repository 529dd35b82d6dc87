//! `/admin/terms`: academic years and their terms. Years of a school never overlap; a term lies
//! inside its year and never overlaps another term of that year.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use super::{audit_change, schools_in_scope, unique_violation, FormState};
use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::schema::{academic_years, schools, terms};
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/terms", web::get().to(list_terms))
        .route("/terms/years", web::post().to(create_year))
        .route("/terms/years/{year_id}", web::post().to(update_year))
        .route("/terms/terms", web::post().to(create_term))
        .route("/terms/terms/{term_id}", web::post().to(update_term))
        .route("/terms/terms/{term_id}/delete", web::post().to(delete_term));
}

#[derive(Debug, Clone, Queryable)]
pub struct Year {
    pub id: i64,
    pub school_id: i64,
    pub school_name: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, Queryable)]
pub struct Term {
    pub id: i64,
    pub academic_year_id: i64,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Template)]
#[template(path = "admin/structure/terms.html")]
struct TermsPage {
    layout: Layout,
    schools: Vec<(i64, String)>,
    years: Vec<Year>,
    terms: Vec<Term>,
    state: FormState,
}

impl TermsPage {
    fn terms_of(&self, year: &i64) -> Vec<&Term> {
        self.terms
            .iter()
            .filter(|t| t.academic_year_id == *year)
            .collect()
    }

    fn picked(&self, key: &str, field: &str, id: &i64) -> bool {
        self.state.value(key, field, "") == id.to_string()
    }
}

fn d(date: &NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

async fn page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (schools, years, terms) = db::run(&app.pool, move |conn| {
        let mut yq = academic_years::table
            .inner_join(schools::table)
            .into_boxed();
        let mut tq = terms::table.into_boxed();
        if let Some(id) = scope.filter() {
            yq = yq.filter(academic_years::school_id.eq(id));
            tq = tq.filter(terms::school_id.eq(id));
        }
        let years = yq
            .order((schools::name, academic_years::starts_on.desc()))
            .select((
                academic_years::id,
                academic_years::school_id,
                schools::name,
                academic_years::name,
                academic_years::starts_on,
                academic_years::ends_on,
            ))
            .load::<Year>(conn)?;
        let terms = tq
            .order(terms::starts_on)
            .select((
                terms::id,
                terms::academic_year_id,
                terms::name,
                terms::starts_on,
                terms::ends_on,
            ))
            .load::<Term>(conn)?;
        Ok((schools_in_scope(conn, scope)?, years, terms))
    })
    .await?;
    render_status(
        &TermsPage {
            layout: Layout::new(req, app, "Academic years and terms"),
            schools,
            years,
            terms,
            state,
        },
        status,
    )
}

pub async fn list_terms(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    page(&req, &app, &user, FormState::default(), StatusCode::OK).await
}

fn dates(state: &mut FormState) -> (NaiveDate, NaiveDate) {
    let (from, to) = (state.date("starts_on"), state.date("ends_on"));
    if state.ok() && from > to {
        state.fail("ends_on", "The end comes before the start.");
    }
    (from, to)
}

/// Another year of the school overlapping [from, to], other than `except`.
fn year_overlaps(
    conn: &mut PgConnection,
    school: i64,
    from: NaiveDate,
    to: NaiveDate,
    except: i64,
) -> QueryResult<Option<String>> {
    academic_years::table
        .filter(academic_years::school_id.eq(school))
        .filter(academic_years::id.ne(except))
        .filter(academic_years::starts_on.le(to))
        .filter(academic_years::ends_on.ge(from))
        .select(academic_years::name)
        .first(conn)
        .optional()
}

enum Saved {
    Done,
    Refused(&'static str, String),
}

async fn save_year(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: Vec<(String, String)>,
    year_id: Option<i64>,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let key = year_id.map_or("new-year".to_string(), |id| format!("year-{id}"));
    let mut state = FormState::new(key, &form);
    let schools = {
        let s = scope;
        db::run(&app.pool, move |conn| Ok(schools_in_scope(conn, s)?)).await?
    };
    let school_ids: Vec<i64> = schools.iter().map(|(id, _)| *id).collect();
    let school = if year_id.is_none() {
        if school_ids.len() == 1 {
            school_ids[0]
        } else {
            state.choice("school_id", &school_ids, "Choose the school.")
        }
    } else {
        0
    };
    let name = state.text("name", "year's name", 100);
    let (from, to) = dates(&mut state);
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| -> QueryResult<Saved> {
            let (id, school, before) = match year_id {
                Some(id) => {
                    let mut q = academic_years::table.find(id).into_boxed();
                    if let Some(own) = scope.filter() {
                        q = q.filter(academic_years::school_id.eq(own));
                    }
                    let (school, n, s, e): (i64, String, NaiveDate, NaiveDate) = q
                        .select((
                            academic_years::school_id,
                            academic_years::name,
                            academic_years::starts_on,
                            academic_years::ends_on,
                        ))
                        .first(conn)?;
                    (
                        id,
                        school,
                        Some(json!({ "name": n, "starts_on": s, "ends_on": e })),
                    )
                }
                None => (0, school, None),
            };
            super::lock_school(conn, school)?;
            if let Some(other) = year_overlaps(conn, school, from, to, id)? {
                return Ok(Saved::Refused(
                    "starts_on",
                    format!("These dates overlap the year {other}."),
                ));
            }
            let outside: Option<String> = terms::table
                .filter(terms::academic_year_id.eq(id))
                .filter(terms::starts_on.lt(from).or(terms::ends_on.gt(to)))
                .select(terms::name)
                .first(conn)
                .optional()?;
            if let Some(term) = outside {
                return Ok(Saved::Refused(
                    "starts_on",
                    format!("The {term} would fall outside the year."),
                ));
            }
            let after = json!({ "name": name, "starts_on": from, "ends_on": to });
            let id = if year_id.is_some() {
                diesel::update(academic_years::table.find(id))
                    .set((
                        academic_years::name.eq(&name),
                        academic_years::starts_on.eq(from),
                        academic_years::ends_on.eq(to),
                    ))
                    .execute(conn)?;
                id
            } else {
                diesel::insert_into(academic_years::table)
                    .values((
                        academic_years::school_id.eq(school),
                        academic_years::name.eq(&name),
                        academic_years::starts_on.eq(from),
                        academic_years::ends_on.eq(to),
                    ))
                    .returning(academic_years::id)
                    .get_result(conn)?
            };
            audit_change(
                conn,
                &actor,
                if before.is_some() { "update" } else { "create" },
                "academic_year",
                id,
                school,
                before,
                Some(after),
            )?;
            Ok(Saved::Done)
        }))
    })
    .await?;
    finish(
        req,
        app,
        user,
        session,
        state,
        saved,
        "name",
        "A year with this name exists already.",
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    mut state: FormState,
    saved: QueryResult<Saved>,
    unique_field: &str,
    unique_message: &str,
) -> Result<HttpResponse, AppError> {
    match saved {
        Ok(Saved::Done) => {
            flash(&session, "Saved.");
            Ok(see_other("/admin/terms"))
        }
        Ok(Saved::Refused(field, message)) => {
            state.fail(field, message);
            page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) if unique_violation(&e) => {
            state.fail(unique_field, unique_message);
            page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create_year(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save_year(req, app, user, session, form.into_inner(), None).await
}

pub async fn update_year(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save_year(
        req,
        app,
        user,
        session,
        form.into_inner(),
        Some(path.into_inner().0),
    )
    .await
}

async fn save_term(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: Vec<(String, String)>,
    term_id: Option<i64>,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let key = term_id.map_or("new-term".to_string(), |id| format!("term-{id}"));
    let mut state = FormState::new(key, &form);
    let name = state.text("name", "term's name", 100);
    let (from, to) = dates(&mut state);
    let year_field = state.get("academic_year_id").parse::<i64>().ok();
    if term_id.is_none() && year_field.is_none() {
        state.fail("academic_year_id", "Choose the academic year.");
    }
    if !state.ok() {
        return page(&req, &app, &user, state, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let actor = actor(&req, &app, &user);
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| -> QueryResult<Saved> {
            let (year_id, before) = match term_id {
                Some(id) => {
                    let (y, n, s, e): (i64, String, NaiveDate, NaiveDate) = terms::table
                        .find(id)
                        .select((
                            terms::academic_year_id,
                            terms::name,
                            terms::starts_on,
                            terms::ends_on,
                        ))
                        .first(conn)?;
                    (y, Some(json!({ "name": n, "starts_on": s, "ends_on": e })))
                }
                None => (year_field.unwrap_or(0), None),
            };
            let mut yq = academic_years::table.find(year_id).into_boxed();
            if let Some(own) = scope.filter() {
                yq = yq.filter(academic_years::school_id.eq(own));
            }
            let (school, ys, ye, yname): (i64, NaiveDate, NaiveDate, String) = yq
                .select((
                    academic_years::school_id,
                    academic_years::starts_on,
                    academic_years::ends_on,
                    academic_years::name,
                ))
                .first(conn)?;
            super::lock_school(conn, school)?;
            if from < ys || to > ye {
                return Ok(Saved::Refused(
                    "starts_on",
                    format!(
                        "A term must lie inside its year ({yname}: {} to {}).",
                        d(&ys),
                        d(&ye)
                    ),
                ));
            }
            let overlap: Option<String> = terms::table
                .filter(terms::academic_year_id.eq(year_id))
                .filter(terms::id.ne(term_id.unwrap_or(0)))
                .filter(terms::starts_on.le(to))
                .filter(terms::ends_on.ge(from))
                .select(terms::name)
                .first(conn)
                .optional()?;
            if let Some(other) = overlap {
                return Ok(Saved::Refused(
                    "starts_on",
                    format!("These dates overlap the {other}."),
                ));
            }
            let after = json!({ "name": name, "starts_on": from, "ends_on": to });
            let id = match term_id {
                Some(id) => {
                    diesel::update(terms::table.find(id))
                        .set((
                            terms::name.eq(&name),
                            terms::starts_on.eq(from),
                            terms::ends_on.eq(to),
                        ))
                        .execute(conn)?;
                    id
                }
                None => diesel::insert_into(terms::table)
                    .values((
                        terms::school_id.eq(school),
                        terms::academic_year_id.eq(year_id),
                        terms::name.eq(&name),
                        terms::starts_on.eq(from),
                        terms::ends_on.eq(to),
                    ))
                    .returning(terms::id)
                    .get_result(conn)?,
            };
            audit_change(
                conn,
                &actor,
                if before.is_some() { "update" } else { "create" },
                "term",
                id,
                school,
                before,
                Some(after),
            )?;
            Ok(Saved::Done)
        }))
    })
    .await?;
    finish(
        req,
        app,
        user,
        session,
        state,
        saved,
        "name",
        "This year has a term with this name already.",
    )
    .await
}

pub async fn create_term(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save_term(req, app, user, session, form.into_inner(), None).await
}

pub async fn update_term(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save_term(
        req,
        app,
        user,
        session,
        form.into_inner(),
        Some(path.into_inner().0),
    )
    .await
}

pub async fn delete_term(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let (scope, actor) = (SchoolScope::of(&user), actor(&req, &app, &user));
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let mut q = terms::table.find(id).into_boxed();
            if let Some(own) = scope.filter() {
                q = q.filter(terms::school_id.eq(own));
            }
            let (school, name): (i64, String) =
                q.select((terms::school_id, terms::name)).first(conn)?;
            diesel::delete(terms::table.find(id)).execute(conn)?;
            audit_change(
                conn,
                &actor,
                "delete",
                "term",
                id,
                school,
                Some(json!({ "name": name })),
                None,
            )
        })?)
    })
    .await?;
    flash(&session, "The term is deleted.");
    Ok(see_other("/admin/terms"))
}
