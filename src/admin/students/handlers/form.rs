//! Adding and editing a student: the form, its choices, and saving it.

use super::*;

#[derive(Template)]
#[template(path = "admin/students/form.html")]
pub(super) struct StudentFormPage {
    pub(super) layout: Layout,
    pub(super) student_id: Option<i64>,
    pub(super) form: StudentForm,
    pub(super) errors: FieldErrors,
    pub(super) schools: Vec<(i64, String)>,
    pub(super) classes: Vec<(i64, i64, String)>,
    pub(super) conflict: Option<StudentRecord>,
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

pub(super) struct Choices {
    pub(super) schools: Vec<(i64, String)>,
    pub(super) classes: Vec<(i64, i64, String)>,
}

/// What a student's form offers: the schools in `scope`, and the current classes of the form's
/// school (`school_id` as typed). An admin's form offers no classes until a school is chosen:
/// a district's 2,000 classes in one select would be most of the page.
pub(super) async fn choices(
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
pub(super) fn form_page(
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

pub(super) fn refusal_errors(refusal: Refusal) -> Result<FieldErrors, AppError> {
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

pub(super) fn form_from(r: &StudentRecord) -> StudentForm {
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

pub(super) async fn find(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<StudentRecord, AppError> {
    let (scope, day) = (SchoolScope::of(user), today(state));
    db::run(&state.pool, move |conn| {
        Ok(crate::models::students::find_student(conn, scope, id, day)?)
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
