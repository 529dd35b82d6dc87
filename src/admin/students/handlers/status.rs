//! Withdrawing, reinstating and deleting a student.

use super::*;

pub(super) async fn change_status(
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
pub(super) struct DeletePage {
    pub(super) layout: Layout,
    pub(super) record: StudentRecord,
    pub(super) impact: DeletionImpact,
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
