//! `/admin/users` pages.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::admin::handlers::actor;
use crate::admin::queries::SchoolScope;
use crate::admin::users::queries::{
    self, Refusal, UserDetails, UserFilter, UserRow, UserValues, PAGE_SIZE,
};
use crate::db;
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::web::layout::{flash, render, render_status, see_other, Layout};
use crate::web::{CurrentUser, Hx, Role};
use crate::AppState;

/// Roles the signed-in user may give: admins any, principals teacher and parent only.
fn grantable_roles(user: &CurrentUser) -> &'static [Role] {
    match user.role {
        Role::Admin => &Role::ALL,
        _ => &[Role::Teacher, Role::Parent],
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/users/list.html", blocks = ["user_results"])]
struct UserListPage {
    layout: Layout,
    q: String,
    role: String,
    status: String,
    rows: Vec<UserRow>,
    matches: crate::admin::queries::Matches,
    page: i64,
    pages: i64,
    roles: &'static [Role],
}

impl UserListPage {
    /// The list URL for another page with the same filters.
    fn page_url(&self, page: i64) -> String {
        format!(
            "/admin/users?q={}&role={}&status={}&page={page}",
            crate::web::urlencode(&self.q),
            crate::web::urlencode(&self.role),
            crate::web::urlencode(&self.status)
        )
    }
}

pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<ListQuery>,
    hx: Hx,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let q: String = query.q.trim().chars().take(100).collect();
    let role = if query.role.parse::<Role>().is_ok() {
        query.role.clone()
    } else {
        String::new()
    };
    let status = match query.status.as_str() {
        "active" | "inactive" => query.status.clone(),
        _ => String::new(),
    };
    let filter = UserFilter {
        search: (!q.is_empty()).then(|| q.clone()),
        role: (!role.is_empty()).then(|| role.clone()),
        active: match status.as_str() {
            "active" => Some(true),
            "inactive" => Some(false),
            _ => None,
        },
        page: query.page.unwrap_or(1).clamp(1, 100_000) - 1,
    };
    let scope = SchoolScope::of(&user);
    let page_index = filter.page;
    let (rows, matches) = db::run(&state.pool, move |conn| {
        Ok(queries::list_users(conn, scope, &filter)?)
    })
    .await?;
    let page = UserListPage {
        layout: Layout::new(&req, &state, "People"),
        q,
        role,
        status,
        rows,
        matches,
        page: page_index + 1,
        pages: matches.pages(PAGE_SIZE),
        roles: &Role::ALL,
    };
    crate::web::htmx::page_or_block(hx, StatusCode::OK, &page, |p| p.as_user_results().render())
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    school_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    version: String,
}

type FieldErrors = BTreeMap<&'static str, String>;

/// Checks the form; a role the user may not grant is Forbidden rather than a field error.
fn validate(
    form: &UserForm,
    user: &CurrentUser,
    schools: &[(i64, String)],
) -> Result<Result<UserValues, FieldErrors>, AppError> {
    let mut errors = FieldErrors::new();
    let display_name = form.display_name.trim().to_string();
    if display_name.is_empty() {
        errors.insert("display_name", "Enter the person's name.".into());
    } else if display_name.chars().count() > 200 {
        errors.insert("display_name", "A name has at most 200 characters.".into());
    } else if display_name.chars().any(char::is_control) {
        errors.insert(
            "display_name",
            "A name cannot contain control characters.".into(),
        );
    }
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => e.as_str().to_string(),
        Err(message) => {
            errors.insert("email", message.into());
            String::new()
        }
    };
    let role = match form.role.parse::<Role>() {
        Ok(role) if grantable_roles(user).contains(&role) => Some(role),
        Ok(_) => return Err(AppError::Forbidden),
        Err(()) => {
            errors.insert("role", "Choose a role.".into());
            None
        }
    };
    let needs_school = matches!(role, Some(Role::Teacher | Role::Principal));
    let school_id = if needs_school {
        match form
            .school_id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| schools.iter().any(|(s, _)| s == id))
        {
            Some(id) => Some(id),
            None => {
                errors.insert(
                    "school_id",
                    "Choose the school this person works at.".into(),
                );
                None
            }
        }
    } else {
        None
    };
    let phone = form.phone.trim();
    let phone = if phone.is_empty() {
        None
    } else if phone.chars().count() > 40
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        errors.insert(
            "phone",
            "Enter a phone number using digits, spaces and + - ( ) only.".into(),
        );
        None
    } else {
        Some(phone.to_string())
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(UserValues {
        display_name,
        email,
        role: role.expect("checked").as_str().to_string(),
        school_id,
        phone,
    }))
}

#[derive(Template)]
#[template(path = "admin/users/form.html")]
struct UserFormPage {
    layout: Layout,
    /// None when creating.
    user_id: Option<i64>,
    form: UserForm,
    errors: FieldErrors,
    roles: &'static [Role],
    schools: Vec<(i64, String)>,
    conflict: Option<UserDetails>,
}

impl UserFormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn school_selected(&self, id: &i64) -> bool {
        self.form.school_id == id.to_string()
    }
}

async fn schools_for(state: &AppState, scope: SchoolScope) -> Result<Vec<(i64, String)>, AppError> {
    db::run(&state.pool, move |conn| {
        Ok(crate::models::schools::list_schools(conn, scope)?)
    })
    .await
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    user_id: Option<i64>,
    form: UserForm,
    errors: FieldErrors,
    schools: Vec<(i64, String)>,
    conflict: Option<UserDetails>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = if user_id.is_some() {
        "Edit person"
    } else {
        "Add a person"
    };
    render_status(
        &UserFormPage {
            layout: Layout::new(req, state, title),
            user_id,
            form,
            errors,
            roles: grantable_roles(user),
            schools,
            conflict,
        },
        status,
    )
}

pub async fn new_user_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let schools = schools_for(&state, SchoolScope::of(&user)).await?;
    let form = UserForm {
        role: "teacher".into(),
        school_id: user.school_id.map(|id| id.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    form_page(
        &req,
        &state,
        &user,
        None,
        form,
        FieldErrors::new(),
        schools,
        None,
        StatusCode::OK,
    )
}

fn refusal_errors(refusal: Refusal) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::new();
    match refusal {
        Refusal::EmailTaken => {
            errors.insert(
                "email",
                "Another account already uses this email address.".into(),
            );
        }
        Refusal::LastAdmin => {
            errors.insert(
                "role",
                "This is the last active administrator: make someone else an administrator first."
                    .into(),
            );
        }
        Refusal::Database(e) => return Err(e.into()),
        Refusal::Conflict(_) => unreachable!("handled by the caller"),
    }
    Ok(errors)
}

pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    form: crate::web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let scope = SchoolScope::of(&user);
    let schools = schools_for(&state, scope).await?;
    let values = match validate(&form, &user, &schools)? {
        Ok(values) => values,
        Err(errors) => {
            return form_page(
                &req,
                &state,
                &user,
                None,
                form,
                errors,
                schools,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let actor = actor(&req, &state, &user);
    let (inviter, public_url) = (user.name.clone(), state.settings.public_url.clone());
    let created = db::run(&state.pool, move |conn| {
        Ok(queries::insert_user(
            conn,
            &values,
            &actor,
            &inviter,
            &public_url,
        ))
    })
    .await?;
    match created {
        Ok(id) => {
            state.mailer.wake.notify_one();
            flash(
                &session,
                "The account is created and an invitation is on its way by email.",
            );
            Ok(see_other(&format!("/admin/users/{id}")))
        }
        Err(refusal) => {
            let errors = refusal_errors(refusal)?;
            form_page(
                &req,
                &state,
                &user,
                None,
                form,
                errors,
                schools,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "admin/users/show.html")]
struct UserPage {
    layout: Layout,
    person: UserDetails,
    is_self: bool,
}

async fn find_in_scope(
    state: &AppState,
    user: &CurrentUser,
    user_id: i64,
) -> Result<UserDetails, AppError> {
    let scope = SchoolScope::of(user);
    db::run(&state.pool, move |conn| {
        Ok(queries::find_user(conn, scope, user_id)?)
    })
    .await
}

pub async fn show_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let person = find_in_scope(&state, &user, path.into_inner().0).await?;
    let title = person.display_name.clone();
    render(&UserPage {
        layout: Layout::new(&req, &state, title),
        is_self: person.id == user.id,
        person,
    })
}

fn form_from(person: &UserDetails) -> UserForm {
    UserForm {
        display_name: person.display_name.clone(),
        email: person.email.clone(),
        role: person.role.clone(),
        school_id: person
            .school_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        phone: person.phone.clone().unwrap_or_default(),
        version: crate::web::version_token(person.updated_at),
    }
}

pub async fn edit_user_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let person = find_in_scope(&state, &user, path.into_inner().0).await?;
    // A principal cannot edit an administrator or another principal.
    if !grantable_roles(&user)
        .iter()
        .any(|r| r.as_str() == person.role)
    {
        return Err(AppError::Forbidden);
    }
    let schools = schools_for(&state, SchoolScope::of(&user)).await?;
    form_page(
        &req,
        &state,
        &user,
        Some(person.id),
        form_from(&person),
        FieldErrors::new(),
        schools,
        None,
        StatusCode::OK,
    )
}

pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let user_id = path.into_inner().0;
    let form = form.into_inner();
    let scope = SchoolScope::of(&user);
    let person = find_in_scope(&state, &user, user_id).await?;
    if !grantable_roles(&user)
        .iter()
        .any(|r| r.as_str() == person.role)
    {
        return Err(AppError::Forbidden);
    }
    let schools = schools_for(&state, scope).await?;
    let values = match validate(&form, &user, &schools)? {
        Ok(values) => values,
        Err(errors) => {
            return form_page(
                &req,
                &state,
                &user,
                Some(user_id),
                form,
                errors,
                schools,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    };
    let Some(version) = crate::web::parse_version_token(&form.version) else {
        // A form without its version cannot prove it saw the latest change.
        return form_page(
            &req,
            &state,
            &user,
            Some(user_id),
            form,
            FieldErrors::new(),
            schools,
            Some(person),
            StatusCode::CONFLICT,
        );
    };
    let actor = actor(&req, &state, &user);
    let saved = db::run(&state.pool, move |conn| {
        Ok(queries::update_user(
            conn, scope, user_id, version, &values, &actor,
        ))
    })
    .await?;
    match saved {
        Ok(()) => {
            flash(&session, "Saved.");
            Ok(see_other(&format!("/admin/users/{user_id}")))
        }
        Err(Refusal::Conflict(current)) => {
            // Show what the other person saved; the form keeps this user's typing and takes the
            // new version, so saving again overwrites knowingly.
            let mut form = form;
            form.version = crate::web::version_token(current.updated_at);
            form_page(
                &req,
                &state,
                &user,
                Some(user_id),
                form,
                FieldErrors::new(),
                schools,
                Some(*current),
                StatusCode::CONFLICT,
            )
        }
        Err(refusal) => {
            let errors = refusal_errors(refusal)?;
            form_page(
                &req,
                &state,
                &user,
                Some(user_id),
                form,
                errors,
                schools,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

async fn change_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    user_id: i64,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let person = find_in_scope(&state, &user, user_id).await?;
    if !grantable_roles(&user)
        .iter()
        .any(|r| r.as_str() == person.role)
    {
        return Err(AppError::Forbidden);
    }
    let scope = SchoolScope::of(&user);
    let actor = actor(&req, &state, &user);
    let result = db::run(&state.pool, move |conn| {
        Ok(queries::set_active(conn, scope, user_id, active, &actor))
    })
    .await?;
    match result {
        Ok(()) => flash(
            &session,
            if active {
                "The account is active again."
            } else {
                "The account is deactivated and signed out everywhere."
            },
        ),
        Err(Refusal::LastAdmin) => flash(
            &session,
            "This is the last active administrator: it cannot be deactivated.",
        ),
        Err(Refusal::Database(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    }
    Ok(see_other(&format!("/admin/users/{user_id}")))
}

pub async fn deactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    change_active(req, state, user, session, path.into_inner().0, false).await
}

pub async fn reactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    change_active(req, state, user, session, path.into_inner().0, true).await
}

pub async fn send_reset_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let user_id = path.into_inner().0;
    let scope = SchoolScope::of(&user);
    let actor = actor(&req, &state, &user);
    let (inviter, public_url) = (user.name.clone(), state.settings.public_url.clone());
    match db::run(&state.pool, move |conn| {
        Ok(queries::send_link(
            conn,
            scope,
            user_id,
            &actor,
            &inviter,
            &public_url,
        ))
    })
    .await?
    {
        Ok(()) => {}
        Err(Refusal::Database(e)) => return Err(e.into()),
        Err(_) => return Err(AppError::NotFound),
    }
    state.mailer.wake.notify_one();
    flash(
        &session,
        "A link to choose a password is on its way by email.",
    );
    Ok(see_other(&format!("/admin/users/{user_id}")))
}
