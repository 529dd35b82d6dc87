//! A student's page: their record, attendance over a range, and the parents linked to them.

use super::*;

#[derive(Template)]
#[template(path = "admin/students/show.html")]
pub(super) struct StudentPage {
    pub(super) layout: Layout,
    pub(super) record: StudentRecord,
    pub(super) can_delete: bool,
    pub(super) links: Vec<ParentLink>,
    pub(super) link_form: LinkForm,
    pub(super) link_error: Option<String>,
    /// Attendance over the chosen range (default: the school year so far).
    pub(super) attendance: crate::domain::attendance::Tally,
    pub(super) attendance_from: NaiveDate,
    pub(super) attendance_to: NaiveDate,
    pub(super) attendance_rate: String,
}

/// `?from=…&to=…` on a student's page: the attendance range.
#[derive(Debug, Deserialize, Default)]
pub struct RangeQuery {
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
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
pub(super) async fn student_page(
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
            let record = crate::models::students::find_student(conn, scope, id, day)?;
            crate::models::students::record_view(conn, id, record.student.school_id, &actor)?;
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
    pub(super) parent_email: String,
    #[serde(default)]
    pub(super) relationship: String,
    #[serde(default)]
    pub(super) may_view: Option<String>,
    #[serde(default)]
    pub(super) receives_notifications: Option<String>,
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
