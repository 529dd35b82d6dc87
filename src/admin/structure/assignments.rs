//! `/admin/assignments`: who teaches which subject to which class, and who covers a class for a
//! while (during cover the teacher sees the class and may take its register).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use super::{audit_change, school_of_form, FormState, SchoolQuery};
use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::{picked_school, SchoolScope};
use crate::schema::{
    academic_years, classes, cover_assignments, subjects, teacher_assignments, users,
};
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/assignments", web::get().to(list_assignments))
        .route("/assignments", web::post().to(create_assignment))
        .route(
            "/assignments/{assignment_id}/delete",
            web::post().to(delete_assignment),
        )
        .route("/assignments/cover", web::post().to(create_cover))
        .route(
            "/assignments/cover/{cover_id}/delete",
            web::post().to(delete_cover),
        );
}

#[derive(Debug, Queryable)]
pub struct AssignmentRow {
    pub id: i64,
    pub class_name: String,
    pub subject_name: String,
    pub teacher_name: String,
}

#[derive(Debug, Queryable)]
pub struct CoverRow {
    pub id: i64,
    pub class_name: String,
    pub teacher_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: String,
}

type Choices = Vec<(i64, i64, String)>;

/// A school's line on the district's list.
#[derive(Debug, QueryableByName)]
pub struct SchoolAssignments {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub assignments: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub covers: i64,
}

#[derive(Template)]
#[template(path = "admin/structure/assignments.html")]
struct AssignmentsPage {
    layout: Layout,
    /// The school an admin picked: its id and name.
    picked: Option<(i64, String)>,
    /// For an admin who has not picked a school: the district school by school.
    district: Option<Vec<SchoolAssignments>>,
    assignments: Vec<AssignmentRow>,
    covers: Vec<CoverRow>,
    classes: Choices,
    subjects: Choices,
    teachers: Choices,
    state: FormState,
}

impl AssignmentsPage {
    fn picked(&self, key: &str, field: &str, id: &i64) -> bool {
        self.state.value(key, field, "") == id.to_string()
    }
}

struct AllChoices {
    classes: Choices,
    subjects: Choices,
    teachers: Choices,
}

fn choices(
    conn: &mut PgConnection,
    scope: SchoolScope,
    today: NaiveDate,
) -> QueryResult<AllChoices> {
    let own = scope.filter();
    let mut cq = classes::table
        .inner_join(academic_years::table)
        .filter(academic_years::ends_on.ge(today))
        .into_boxed();
    let mut sq = subjects::table.into_boxed();
    let mut tq = users::table
        .filter(users::role.eq("teacher"))
        .filter(users::active.eq(true))
        .into_boxed();
    if let Some(id) = own {
        cq = cq.filter(classes::school_id.eq(id));
        sq = sq.filter(subjects::school_id.eq(id));
        tq = tq.filter(users::school_id.eq(id));
    }
    Ok(AllChoices {
        classes: cq
            .order((classes::school_id, classes::grade_level, classes::name))
            .select((classes::id, classes::school_id, classes::name))
            .load(conn)?,
        subjects: sq
            .order((subjects::school_id, subjects::name))
            .select((subjects::id, subjects::school_id, subjects::name))
            .load(conn)?,
        teachers: tq
            .order(users::display_name)
            .select((
                users::id,
                users::school_id.assume_not_null(),
                users::display_name,
            ))
            .load(conn)?,
    })
}

async fn page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    asked: Option<String>,
    state: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (user_scope, today) = (SchoolScope::of(user), app.clock.now().date_naive());
    let scope = user_scope
        .narrowed(asked.as_deref())
        .ok_or(AppError::NotFound)?;
    let (picked, district, assignments, covers, c) = db::run(&app.pool, move |conn| {
        let picked = picked_school(conn, user_scope, scope)?;
        let SchoolScope::School(own) = scope else {
            let lines = crate::db::statement(include_str!("sql/list_school_assignment_counts.sql"))
                .bind::<diesel::sql_types::Date, _>(today)
                .load(conn)?;
            let none = AllChoices {
                classes: Vec::new(),
                subjects: Vec::new(),
                teachers: Vec::new(),
            };
            return Ok((picked, Some(lines), Vec::new(), Vec::new(), none));
        };
        let own = Some(own);
        let mut aq = teacher_assignments::table
            .inner_join(classes::table)
            .inner_join(subjects::table)
            .inner_join(users::table)
            .into_boxed();
        let mut vq = cover_assignments::table
            .inner_join(classes::table)
            .inner_join(users::table)
            .filter(cover_assignments::ends_on.ge(today))
            .into_boxed();
        if let Some(id) = own {
            aq = aq.filter(teacher_assignments::school_id.eq(id));
            vq = vq.filter(cover_assignments::school_id.eq(id));
        }
        let assignments = aq
            .order((classes::grade_level, classes::name, subjects::name))
            .select((
                teacher_assignments::id,
                classes::name,
                subjects::name,
                users::display_name,
            ))
            .load::<AssignmentRow>(conn)?;
        let covers = vq
            .order(cover_assignments::starts_on)
            .select((
                cover_assignments::id,
                classes::name,
                users::display_name,
                cover_assignments::starts_on,
                cover_assignments::ends_on,
                cover_assignments::note,
            ))
            .load::<CoverRow>(conn)?;
        let c = choices(conn, scope, today)?;
        Ok((picked, None, assignments, covers, c))
    })
    .await?;
    render_status(
        &AssignmentsPage {
            layout: Layout::new(req, app, "Teacher assignments and cover"),
            picked,
            district,
            assignments,
            covers,
            classes: c.classes,
            subjects: c.subjects,
            teachers: c.teachers,
            state,
        },
        status,
    )
}

pub async fn list_assignments(
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

/// A refused form, with its messages, on the page of the school it was for.
async fn refused(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    asked: Option<String>,
    state: FormState,
) -> Result<HttpResponse, AppError> {
    page(
        req,
        app,
        user,
        asked,
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Checks that class, teacher (and subject) exist in scope and share one school.
fn pick(state: &mut FormState, c: &AllChoices, with_subject: bool) -> (i64, i64, i64, i64) {
    let ids = |v: &Choices| v.iter().map(|x| x.0).collect::<Vec<_>>();
    let class = state.choice("class_id", &ids(&c.classes), "Choose a class.");
    let teacher = state.choice("teacher_id", &ids(&c.teachers), "Choose a teacher.");
    let subject = if with_subject {
        state.choice("subject_id", &ids(&c.subjects), "Choose a subject.")
    } else {
        0
    };
    let school_of = |v: &Choices, id: i64| v.iter().find(|x| x.0 == id).map(|x| x.1);
    let school = school_of(&c.classes, class).unwrap_or(0);
    if state.ok() {
        if school_of(&c.teachers, teacher) != Some(school) {
            state.fail("teacher_id", "This teacher works at another school.");
        }
        if with_subject && school_of(&c.subjects, subject) != Some(school) {
            state.fail("subject_id", "This subject belongs to another school.");
        }
    }
    (school, class, teacher, subject)
}

pub async fn create_assignment(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (scope, today) = (SchoolScope::of(&user), app.clock.now().date_naive());
    let mut state = FormState::new("assignment", &form);
    let c = db::run(&app.pool, move |conn| Ok(choices(conn, scope, today)?)).await?;
    let (school, class, teacher, subject) = pick(&mut state, &c, true);
    let asked = school_of_form(&state, school);
    if !state.ok() {
        return refused(&req, &app, &user, asked, state).await;
    }
    let actor = actor(&req, &app, &user);
    let saved = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let id: i64 = diesel::insert_into(teacher_assignments::table)
                .values((
                    teacher_assignments::school_id.eq(school),
                    teacher_assignments::teacher_id.eq(teacher),
                    teacher_assignments::class_id.eq(class),
                    teacher_assignments::subject_id.eq(subject),
                ))
                .returning(teacher_assignments::id)
                .get_result(conn)?;
            audit_change(
                conn,
                &actor,
                "create",
                "teacher_assignment",
                id,
                school,
                None,
                Some(json!({ "teacher_id": teacher, "class_id": class, "subject_id": subject })),
            )
        }))
    })
    .await?;
    super::answer(
        saved,
        &session,
        "The teacher is assigned.",
        &SchoolScope::of(&user).list_url("/admin/assignments", school),
        state,
        (
            "teacher_id",
            "This teacher already teaches this subject to this class.",
        ),
        |state| refused(&req, &app, &user, asked, state),
    )
    .await
}

pub async fn delete_assignment(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let (scope, actor) = (SchoolScope::of(&user), actor(&req, &app, &user));
    let school = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let mut q = teacher_assignments::table.find(id).into_boxed();
            if let Some(own) = scope.filter() {
                q = q.filter(teacher_assignments::school_id.eq(own));
            }
            let (school, teacher, class, subject): (i64, i64, i64, i64) = q
                .select((
                    teacher_assignments::school_id,
                    teacher_assignments::teacher_id,
                    teacher_assignments::class_id,
                    teacher_assignments::subject_id,
                ))
                .first(conn)?;
            diesel::delete(teacher_assignments::table.find(id)).execute(conn)?;
            audit_change(
                conn,
                &actor,
                "delete",
                "teacher_assignment",
                id,
                school,
                Some(json!({ "teacher_id": teacher, "class_id": class, "subject_id": subject })),
                None,
            )
            .map(|()| school)
        })?)
    })
    .await?;
    flash(&session, "The assignment is removed.");
    Ok(see_other(
        &SchoolScope::of(&user).list_url("/admin/assignments", school),
    ))
}

pub async fn create_cover(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (scope, today) = (SchoolScope::of(&user), app.clock.now().date_naive());
    let mut state = FormState::new("cover", &form);
    let c = db::run(&app.pool, move |conn| Ok(choices(conn, scope, today)?)).await?;
    let (school, class, teacher, _) = pick(&mut state, &c, false);
    let from = state.date("starts_on");
    let to = state.date("ends_on");
    if state.ok() && to < from {
        state.fail("ends_on", "The cover ends before it starts.");
    }
    let note = state.get("note").to_string();
    if note.chars().count() > 200 {
        state.fail("note", "The note has at most 200 characters.");
    }
    if !state.ok() {
        let asked = school_of_form(&state, school);
        return refused(&req, &app, &user, asked, state).await;
    }
    let actor = actor(&req, &app, &user);
    db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let id: i64 = diesel::insert_into(cover_assignments::table)
                .values((cover_assignments::school_id.eq(school), cover_assignments::teacher_id.eq(teacher), cover_assignments::class_id.eq(class), cover_assignments::starts_on.eq(from), cover_assignments::ends_on.eq(to), cover_assignments::note.eq(&note)))
                .returning(cover_assignments::id)
                .get_result(conn)?;
            audit_change(conn, &actor, "create", "cover_assignment", id, school, None, Some(json!({ "teacher_id": teacher, "class_id": class, "starts_on": from, "ends_on": to, "note": note })))
        })?)
    })
    .await?;
    flash(&session, "The cover is arranged.");
    Ok(see_other(
        &SchoolScope::of(&user).list_url("/admin/assignments", school),
    ))
}

pub async fn delete_cover(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let (scope, actor) = (SchoolScope::of(&user), actor(&req, &app, &user));
    let school = db::run(&app.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let mut q = cover_assignments::table.find(id).into_boxed();
            if let Some(own) = scope.filter() {
                q = q.filter(cover_assignments::school_id.eq(own));
            }
            let (school, teacher, class): (i64, i64, i64) = q
                .select((
                    cover_assignments::school_id,
                    cover_assignments::teacher_id,
                    cover_assignments::class_id,
                ))
                .first(conn)?;
            diesel::delete(cover_assignments::table.find(id)).execute(conn)?;
            audit_change(
                conn,
                &actor,
                "delete",
                "cover_assignment",
                id,
                school,
                Some(json!({ "teacher_id": teacher, "class_id": class })),
                None,
            )
            .map(|()| school)
        })?)
    })
    .await?;
    flash(&session, "The cover is cancelled.");
    Ok(see_other(
        &SchoolScope::of(&user).list_url("/admin/assignments", school),
    ))
}
