//! Parents' reasons for absences, waiting for the office: listed on a school's page, accepted
//! (the mark becomes Excused, recorded as an office change) or declined with a message.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};
use serde::Deserialize;

use crate::attendance::register::{self, MarkInput, SaveOutcome, Saver};
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::schema::absence_reasons;
use crate::web::layout::{flash, see_other};
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Debug, QueryableByName)]
pub struct PendingReason {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub student: String,
    #[diesel(sql_type = Text)]
    pub parent: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub reason: String,
    #[diesel(sql_type = Text)]
    pub mark: String,
}

/// The reasons waiting for a school's office, oldest first.
pub fn list_pending_reasons(
    conn: &mut PgConnection,
    school: i64,
) -> QueryResult<Vec<PendingReason>> {
    db::statement(include_str!("../sql/list_pending_reasons_in_school.sql"))
        .bind::<BigInt, _>(school)
        .load(conn)
}

/// A waiting reason, locked, with the mark it explains and the school's Excused code.
#[derive(QueryableByName)]
struct ReasonTarget {
    #[diesel(sql_type = BigInt)]
    school_id: i64,
    #[diesel(sql_type = BigInt)]
    class_id: i64,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    note: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    excused_code: Option<i64>,
}

fn find_pending_reason(
    conn: &mut PgConnection,
    id: i64,
    scope: SchoolScope,
) -> QueryResult<ReasonTarget> {
    db::statement(include_str!("../sql/find_pending_reason.sql"))
        .bind::<BigInt, _>(id)
        .bind::<Nullable<BigInt>, _>(scope.filter())
        .get_result(conn)
}

/// Accepts a parent's reason: the mark becomes Excused, recorded as an office change.
pub async fn accept_reason(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let scope = SchoolScope::of(&user);
    let saver = Saver {
        user_id: user.id,
        office: true,
        at: state.clock.now(),
        public_url: state.settings.public_url.clone(),
    };
    let accepted = db::run(&state.pool, move |conn| {
        // (the emails the save queued, or None without an Excused code; the school)
        Ok(
            conn.transaction(|conn| -> QueryResult<(Option<usize>, i64)> {
                let t = find_pending_reason(conn, id, scope)?;
                let Some(excused) = t.excused_code else {
                    return Ok((None, t.school_id));
                };
                let found = register::find_register_to_save(
                    conn,
                    t.class_id,
                    t.date,
                    saver.at,
                    None,
                    scope.filter(),
                )?;
                let mark = MarkInput {
                    student_id: t.student_id,
                    code_id: excused,
                    version: t.version,
                    late_minutes: None,
                    note: t.note,
                };
                let emailed = match register::save_marks(conn, &found, t.date, &[mark], &saver)? {
                    SaveOutcome::Saved { emailed, .. } => emailed,
                    SaveOutcome::Conflicts(_) => {
                        return Err(diesel::result::Error::RollbackTransaction)
                    }
                };
                diesel::update(absence_reasons::table.find(id))
                    .set((
                        absence_reasons::status.eq("accepted"),
                        absence_reasons::decided_by.eq(Some(saver.user_id)),
                        absence_reasons::decided_at.eq(Some(saver.at)),
                    ))
                    .execute(conn)?;
                Ok((Some(emailed), t.school_id))
            }),
        )
    })
    .await?;
    let back = match &accepted {
        Ok((_, school)) => SchoolScope::of(&user).list_url("/admin/attendance", *school),
        Err(_) => "/admin/attendance".to_string(),
    };
    match accepted.map(|(done, _)| done) {
        Ok(Some(emailed)) => {
            crate::attendance::registers::marks_saved(&state, emailed);
            flash(&session, "Accepted: the absence is now excused.")
        }
        Ok(None) => flash(
            &session,
            "This school has no Excused code to record it with.",
        ),
        Err(diesel::result::Error::RollbackTransaction) => flash(
            &session,
            "The mark was changed meanwhile; look at the register and try again.",
        ),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&back))
}

#[derive(Debug, Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    response: String,
}

/// Declines a parent's reason with a message they will see.
pub async fn decline_reason(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let response: String = form.response.trim().chars().take(1000).collect();
    let (scope, at, by) = (SchoolScope::of(&user), state.clock.now(), user.id);
    let school: Option<i64> = db::run(&state.pool, move |conn| {
        let mut update = diesel::update(absence_reasons::table)
            .set((
                absence_reasons::status.eq("declined"),
                absence_reasons::response.eq(response),
                absence_reasons::decided_by.eq(Some(by)),
                absence_reasons::decided_at.eq(Some(at)),
            ))
            .filter(absence_reasons::id.eq(id))
            .filter(absence_reasons::status.eq("pending"))
            .into_boxed();
        if let Some(school) = scope.filter() {
            update = update.filter(absence_reasons::school_id.eq(school));
        }
        Ok(update
            .returning(absence_reasons::school_id)
            .get_result::<i64>(conn)
            .optional()?)
    })
    .await?;
    let Some(school) = school else {
        return Err(AppError::NotFound);
    };
    flash(&session, "Declined. The parent will see your message.");
    Ok(see_other(
        &SchoolScope::of(&user).list_url("/admin/attendance", school),
    ))
}
