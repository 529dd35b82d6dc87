//! Adding and editing a user: the form page and saving it.

use super::*;

#[derive(Template)]
#[template(path = "admin/users/form.html")]
pub(super) struct UserFormPage {
    pub(super) layout: Layout,
    /// None when creating.
    pub(super) user_id: Option<i64>,
    pub(super) form: UserForm,
    pub(super) errors: FieldErrors,
    pub(super) roles: &'static [Role],
    pub(super) schools: Vec<(i64, String)>,
    pub(super) conflict: Option<UserDetails>,
}

impl UserFormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    fn school_selected(&self, id: &i64) -> bool {
        self.form.school_id == id.to_string()
    }
}

pub(super) async fn schools_for(
    state: &AppState,
    scope: SchoolScope,
) -> Result<Vec<(i64, String)>, AppError> {
    db::run(&state.pool, move |conn| {
        Ok(crate::models::schools::list_schools(conn, scope)?)
    })
    .await
}

#[allow(clippy::too_many_arguments)]
pub(super) fn form_page(
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

pub(super) fn refusal_errors(refusal: Refusal) -> Result<FieldErrors, AppError> {
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

pub(super) fn form_from(person: &UserDetails) -> UserForm {
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
    // A principal cannot edit an administrator or another principal; their own record's name and
    // phone are theirs to change under My account.
    if !grantable_roles(&user)
        .iter()
        .any(|r| r.as_str() == person.role)
    {
        if person.id == user.id {
            return Ok(crate::web::layout::see_other("/account"));
        }
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
