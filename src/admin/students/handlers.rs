//! `/admin/students` pages.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::Connection;
use serde::Deserialize;

use crate::admin::handlers::actor;
use crate::admin::queries::Matches;
use crate::admin::queries::SchoolScope;
use crate::admin::structure::SchoolQuery;
use crate::admin::students::forms::{self, ContactRow, FieldErrors, GuardianRow, StudentForm};
use crate::admin::students::queries::{
    self, DeletionImpact, Refusal, StudentFilter, StudentRecord, StudentRow, PAGE_SIZE,
};
use crate::admin::students::queries::{LinkRefusal, ParentLink};
use crate::db;
use crate::error::AppError;
use crate::web::layout::{flash, render, render_status, see_other, Layout};
use crate::web::{CurrentUser, Role};
use crate::AppState;

fn today(state: &AppState) -> NaiveDate {
    state.clock.now().date_naive()
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    class_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
    /// An admin's school (the class filter then offers that school's classes).
    #[serde(default)]
    school: String,
}

#[derive(Template)]
#[template(path = "admin/students/list.html")]
struct StudentListPage {
    layout: Layout,
    q: String,
    class_id: String,
    status: String,
    schools: Vec<(i64, String)>,
    /// The school an admin narrowed the list to.
    picked: Option<(i64, String)>,
    /// The classes the class filter offers: the school's (none for a whole district).
    classes: Vec<(i64, i64, String)>,
    rows: Vec<StudentRow>,
    matches: Matches,
    page: i64,
    pages: i64,
}

impl StudentListPage {
    fn page_url(&self, page: i64) -> String {
        format!(
            "/admin/students?q={}&school={}&class_id={}&status={}&page={page}",
            crate::web::urlencode(&self.q),
            self.picked
                .as_ref()
                .map(|(id, _)| id.to_string())
                .unwrap_or_default(),
            crate::web::urlencode(&self.class_id),
            crate::web::urlencode(&self.status)
        )
    }

    fn class_selected(&self, id: &i64) -> bool {
        self.class_id == id.to_string()
    }

    fn school_selected(&self, id: &i64) -> bool {
        self.picked.as_ref().is_some_and(|(p, _)| p == id)
    }
}

pub async fn list_students(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let user_scope = SchoolScope::of(&user);
    // An admin may narrow the list to one school; its classes are then offered as a filter
    // (a district's 2,000 classes in one select would be most of the page).
    let scope = user_scope
        .narrowed(Some(&query.school))
        .ok_or(AppError::NotFound)?;
    let q: String = query.q.trim().chars().take(100).collect();
    let status = match query.status.as_str() {
        "active" | "withdrawn" => query.status.clone(),
        _ => String::new(),
    };
    let filter = StudentFilter {
        search: (!q.is_empty()).then(|| q.clone()),
        class_id: query.class_id.parse().ok(),
        status: (!status.is_empty()).then(|| status.clone()),
        page: query.page.unwrap_or(1).clamp(1, 100_000) - 1,
    };
    let (day, page_index) = (today(&state), filter.page);
    let ((rows, matches), picked, schools, classes) = db::run(&state.pool, move |conn| {
        let picked = crate::admin::queries::picked_school(conn, user_scope, scope)?;
        let classes = match scope {
            SchoolScope::District => Vec::new(),
            _ => queries::list_current_classes(conn, scope, day)?,
        };
        Ok((
            queries::list_students(conn, scope, day, &filter)?,
            picked,
            crate::models::schools::list_schools(conn, user_scope)?,
            classes,
        ))
    })
    .await?;
    render(&StudentListPage {
        layout: Layout::new(&req, &state, "Students"),
        q,
        class_id: query.class_id,
        status,
        schools,
        picked,
        classes,
        rows,
        matches,
        page: page_index + 1,
        pages: matches.pages(PAGE_SIZE),
    })
}

#[derive(Template)]
#[template(path = "admin/students/form.html")]
struct StudentFormPage {
    layout: Layout,
    student_id: Option<i64>,
    form: StudentForm,
    errors: FieldErrors,
    schools: Vec<(i64, String)>,
    classes: Vec<(i64, i64, String)>,
    conflict: Option<StudentRecord>,
}

impl StudentFormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn row_error(&self, prefix: &str, field: &str, i: &usize) -> Option<&str> {
        self.errors
            .get(&format!("{prefix}_{field}_{i}"))
            .map(String::as_str)
    }

    fn action_url(&self) -> String {
        match self.student_id {
            Some(id) => format!("/admin/students/{id}"),
            None => "/admin/students".into(),
        }
    }

    fn selected(&self, value: &str, id: &i64) -> bool {
        value == id.to_string()
    }
}

struct Choices {
    schools: Vec<(i64, String)>,
    classes: Vec<(i64, i64, String)>,
}

/// What a student's form offers: the schools in `scope`, and the current classes of the form's
/// school (`school_id` as typed). An admin's form offers no classes until a school is chosen:
/// a district's 2,000 classes in one select would be most of the page.
async fn choices(
    state: &AppState,
    scope: SchoolScope,
    school_id: &str,
) -> Result<Choices, AppError> {
    let day = today(state);
    // The school the form is for, as a page an admin narrows: a principal's own whatever was
    // sent; none while an admin has not chosen one (or sent a malformed one).
    let school = scope
        .narrowed(Some(school_id.trim()))
        .filter(|s| s.filter().is_some());
    db::run(&state.pool, move |conn| {
        Ok(Choices {
            schools: crate::models::schools::list_schools(conn, scope)?,
            classes: match school {
                Some(school) => queries::list_current_classes(conn, school, day)?,
                None => Vec::new(),
            },
        })
    })
    .await
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    req: &HttpRequest,
    state: &AppState,
    student_id: Option<i64>,
    form: StudentForm,
    errors: FieldErrors,
    choices: Choices,
    conflict: Option<StudentRecord>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = if student_id.is_some() {
        "Edit student"
    } else {
        "Add a student"
    };
    render_status(
        &StudentFormPage {
            layout: Layout::new(req, state, title),
            student_id,
            form,
            errors,
            schools: choices.schools,
            classes: choices.classes,
            conflict,
        },
        status,
    )
}

pub async fn new_student_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<SchoolQuery>,
) -> Result<HttpResponse, AppError> {
    // An admin's school comes from the list narrowed to it (`?school=`).
    let school_id = user
        .school_id
        .map(|s| s.to_string())
        .or(query.into_inner().school)
        .unwrap_or_default();
    let choices = choices(&state, SchoolScope::of(&user), &school_id).await?;
    let form = StudentForm {
        school_id,
        enrolled_on: today(&state).format("%Y-%m-%d").to_string(),
        guardians: vec![GuardianRow::default()],
        contacts: vec![ContactRow::default()],
        ..Default::default()
    };
    form_page(
        &req,
        &state,
        None,
        form,
        FieldErrors::new(),
        choices,
        None,
        StatusCode::OK,
    )
}

fn refusal_errors(refusal: Refusal) -> Result<FieldErrors, AppError> {
    match refusal {
        Refusal::NumberTaken => Ok(FieldErrors::from([(
            "student_number".to_string(),
            "Another student at this school has this number.".to_string(),
        )])),
        Refusal::Database(e) => Err(e.into()),
        Refusal::Conflict(_) => unreachable!("handled by the caller"),
    }
}

pub async fn create_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    body: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let mut form = StudentForm::from_pairs(body.into_inner());
    let scope = SchoolScope::of(&user);
    let choices = choices(&state, scope, &form.school_id).await?;
    if form.apply_action() {
        return form_page(
            &req,
            &state,
            None,
            form,
            FieldErrors::new(),
            choices,
            None,
            StatusCode::OK,
        );
    }
    let values = match forms::validate(&form, &choices.schools, &choices.classes, today(&state)) {
        Ok(v) => v,
        Err(errors) => {
            return form_page(
                &req,
                &state,
                None,
                form,
                errors,
                choices,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let (actor, day) = (actor(&req, &state, &user), today(&state));
    match db::run(&state.pool, move |conn| {
        Ok(queries::insert_student(conn, &values, &actor, day))
    })
    .await?
    {
        Ok(id) => {
            state.registers_changed.bump();
            flash(&session, "The student is added.");
            Ok(see_other(&format!("/admin/students/{id}")))
        }
        Err(refusal) => {
            let errors = refusal_errors(refusal)?;
            form_page(
                &req,
                &state,
                None,
                form,
                errors,
                choices,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "admin/students/show.html")]
struct StudentPage {
    layout: Layout,
    record: StudentRecord,
    can_delete: bool,
    links: Vec<ParentLink>,
    link_form: LinkForm,
    link_error: Option<String>,
    /// Attendance over the chosen range (default: the school year so far).
    attendance: crate::domain::attendance::Tally,
    attendance_from: NaiveDate,
    attendance_to: NaiveDate,
    attendance_rate: String,
}

/// `?from=…&to=…` on a student's page: the attendance range.
#[derive(Debug, Deserialize, Default)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn show_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    student_page(
        &req,
        &state,
        &user,
        path.into_inner().0,
        LinkForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn student_page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    link_form: LinkForm,
    link_error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (actor, day) = (actor(req, state, user), today(state));
    let parse = |key: &str| {
        let q = web::Query::<RangeQuery>::from_query(req.query_string()).ok();
        let raw = q.and_then(|q| {
            if key == "from" {
                q.into_inner().from
            } else {
                q.into_inner().to
            }
        });
        raw.and_then(|r| crate::domain::dates::parse_day(&r).ok())
    };
    let (from_q, to_q) = (parse("from"), parse("to"));
    let now = state.clock.now();
    let (record, links, range, attendance) = db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let record = queries::find_student(conn, scope, id, day)?;
            queries::record_view(conn, id, record.student.school_id, &actor)?;
            let links = queries::list_parent_links(conn, id)?;
            // The school year so far, unless a range was asked for.
            let calendar = crate::models::attendance::find_student_calendar(conn, id, now)?;
            let to = to_q.unwrap_or(calendar.today);
            let from = from_q.or(calendar.year_start).unwrap_or(to);
            let tally = crate::models::attendance::count_marks_between(
                conn,
                id,
                from.min(to),
                to.max(from),
            )?;
            Ok::<_, diesel::result::Error>((record, links, (from.min(to), to.max(from)), tally))
        })?)
    })
    .await?;
    let title = format!(
        "{} {}",
        record.student.given_name, record.student.family_name
    );
    render_status(
        &StudentPage {
            layout: Layout::new(req, state, title),
            record,
            can_delete: user.role == Role::Admin,
            links,
            attendance_rate: crate::domain::attendance::format_rate(attendance.rate()),
            attendance,
            attendance_from: range.0,
            attendance_to: range.1,
            link_form,
            link_error,
        },
        status,
    )
}

/// The "link a parent account" form.
#[derive(Debug, Deserialize, Default)]
pub struct LinkForm {
    #[serde(default)]
    parent_email: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    may_view: Option<String>,
    #[serde(default)]
    receives_notifications: Option<String>,
}

pub async fn link_parent(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<LinkForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let form = form.into_inner();
    let relationship = form.relationship.trim().to_string();
    let email = crate::domain::EmailAddress::parse(&form.parent_email);
    let error = match (&email, relationship.chars().count()) {
        (Err(m), _) => Some(m.to_string()),
        (_, 0) => Some(
            "Say how this parent is related to the student, for example Mother or Guardian."
                .to_string(),
        ),
        (_, n) if n > 40 => Some("The relationship has at most 40 characters.".to_string()),
        _ => None,
    };
    if let Some(error) = error {
        return student_page(
            &req,
            &state,
            &user,
            id,
            form,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let email = email.expect("checked").as_str().to_string();
    let (may_view, notify) = (
        form.may_view.is_some(),
        form.receives_notifications.is_some(),
    );
    let (scope, actor, day) = (
        SchoolScope::of(&user),
        actor(&req, &state, &user),
        today(&state),
    );
    let rel = relationship.clone();
    match db::run(&state.pool, move |conn| {
        Ok(queries::upsert_parent_link(
            conn, scope, id, &email, &rel, may_view, notify, &actor, day,
        ))
    })
    .await?
    {
        Ok(()) => {
            flash(&session, "The parent account is linked.");
            Ok(see_other(&format!("/admin/students/{id}")))
        }
        Err(LinkRefusal::NoSuchParent) => {
            let error =
                "No active parent account has this email. Add the parent under People first."
                    .to_string();
            student_page(
                &req,
                &state,
                &user,
                id,
                form,
                Some(error),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(LinkRefusal::Database(e)) => Err(e.into()),
    }
}

pub async fn unlink_parent(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, parent_id) = path.into_inner();
    let (scope, actor, day) = (
        SchoolScope::of(&user),
        actor(&req, &state, &user),
        today(&state),
    );
    db::run(&state.pool, move |conn| {
        Ok(queries::delete_parent_link(
            conn, scope, id, parent_id, &actor, day,
        )?)
    })
    .await?;
    flash(
        &session,
        "The parent account no longer has access to this student.",
    );
    Ok(see_other(&format!("/admin/students/{id}")))
}

fn form_from(r: &StudentRecord) -> StudentForm {
    let s = &r.student;
    let date = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    StudentForm {
        school_id: s.school_id.to_string(),
        student_number: s.student_number.clone(),
        given_name: s.given_name.clone(),
        family_name: s.family_name.clone(),
        preferred_name: s.preferred_name.clone().unwrap_or_default(),
        date_of_birth: date(s.date_of_birth),
        gender: s.gender.clone().unwrap_or_default(),
        enrolled_on: date(s.enrolled_on),
        class_id: r
            .class
            .as_ref()
            .map(|c| c.0.to_string())
            .unwrap_or_default(),
        medical_notes: s.medical_notes.clone(),
        allergies: s.allergies.clone(),
        version: crate::web::version_token(s.updated_at),
        guardians: r
            .guardians
            .iter()
            .map(|g| GuardianRow {
                name: g.name.clone(),
                relationship: g.relationship.clone(),
                phone: g.phone.clone(),
                email: g.email.clone(),
            })
            .collect(),
        contacts: r
            .contacts
            .iter()
            .map(|c| ContactRow {
                name: c.name.clone(),
                relationship: c.relationship.clone(),
                phone: c.phone.clone(),
            })
            .collect(),
        action: String::new(),
    }
}

async fn find(state: &AppState, user: &CurrentUser, id: i64) -> Result<StudentRecord, AppError> {
    let (scope, day) = (SchoolScope::of(user), today(state));
    db::run(&state.pool, move |conn| {
        Ok(queries::find_student(conn, scope, id, day)?)
    })
    .await
}

pub async fn edit_student_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let record = find(&state, &user, path.into_inner().0).await?;
    let school_id = record.student.school_id.to_string();
    let choices = choices(&state, SchoolScope::of(&user), &school_id).await?;
    form_page(
        &req,
        &state,
        Some(record.student.id),
        form_from(&record),
        FieldErrors::new(),
        choices,
        None,
        StatusCode::OK,
    )
}

pub async fn update_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    body: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let record = find(&state, &user, id).await?;
    let mut form = StudentForm::from_pairs(body.into_inner());
    // A student stays in their school.
    form.school_id = record.student.school_id.to_string();
    let scope = SchoolScope::of(&user);
    let choices = choices(&state, scope, &form.school_id).await?;
    if form.apply_action() {
        return form_page(
            &req,
            &state,
            Some(id),
            form,
            FieldErrors::new(),
            choices,
            None,
            StatusCode::OK,
        );
    }
    let values = match forms::validate(&form, &choices.schools, &choices.classes, today(&state)) {
        Ok(v) => v,
        Err(errors) => {
            return form_page(
                &req,
                &state,
                Some(id),
                form,
                errors,
                choices,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let Some(version) = crate::web::parse_version_token(&form.version) else {
        return form_page(
            &req,
            &state,
            Some(id),
            form,
            FieldErrors::new(),
            choices,
            Some(record),
            StatusCode::CONFLICT,
        );
    };
    let (actor, day) = (actor(&req, &state, &user), today(&state));
    match db::run(&state.pool, move |conn| {
        Ok(queries::update_student(
            conn, scope, id, version, &values, &actor, day,
        ))
    })
    .await?
    {
        Ok(()) => {
            state.registers_changed.bump();
            flash(&session, "Saved.");
            Ok(see_other(&format!("/admin/students/{id}")))
        }
        Err(Refusal::Conflict(current)) => {
            let mut form = form;
            form.version = crate::web::version_token(current.student.updated_at);
            form_page(
                &req,
                &state,
                Some(id),
                form,
                FieldErrors::new(),
                choices,
                Some(*current),
                StatusCode::CONFLICT,
            )
        }
        Err(refusal) => {
            let errors = refusal_errors(refusal)?;
            form_page(
                &req,
                &state,
                Some(id),
                form,
                errors,
                choices,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

async fn change_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    id: i64,
    status: &'static str,
) -> Result<HttpResponse, AppError> {
    let (scope, actor, day) = (
        SchoolScope::of(&user),
        actor(&req, &state, &user),
        today(&state),
    );
    db::run(&state.pool, move |conn| {
        Ok(queries::set_status(conn, scope, id, status, &actor, day)?)
    })
    .await?;
    state.registers_changed.bump();
    flash(
        &session,
        if status == "withdrawn" {
            "The student is withdrawn. Their records are kept; they no longer appear on registers."
        } else {
            "The student is reinstated."
        },
    );
    Ok(see_other(&format!("/admin/students/{id}")))
}

pub async fn withdraw_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    change_status(req, state, user, session, path.into_inner().0, "withdrawn").await
}

pub async fn reinstate_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    change_status(req, state, user, session, path.into_inner().0, "active").await
}

#[derive(Template)]
#[template(path = "admin/students/delete.html")]
struct DeletePage {
    layout: Layout,
    record: StudentRecord,
    impact: DeletionImpact,
}

pub async fn confirm_delete_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let record = find(&state, &user, path.into_inner().0).await?;
    let id = record.student.id;
    let impact = db::run(&state.pool, move |conn| {
        Ok(queries::deletion_impact(conn, id)?)
    })
    .await?;
    render(&DeletePage {
        layout: Layout::new(&req, &state, "Delete a student for good"),
        record,
        impact,
    })
}

pub async fn delete_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    if user.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let id = path.into_inner().0;
    let (actor, day) = (actor(&req, &state, &user), today(&state));
    db::run(&state.pool, move |conn| {
        Ok(queries::delete_student(conn, id, &actor, day)?)
    })
    .await?;
    state.registers_changed.bump();
    flash(&session, "The student and everything attached to them are deleted. A copy is kept in the audit trail.");
    Ok(see_other("/admin/students"))
}
