//! The register pages, for teachers (`/teacher/classes/{id}/attendance/{date}`) and for the
//! office's corrections (`/admin/classes/{id}/attendance/{date}`). Without JavaScript the page is
//! one form saved with one POST; with htmx each tap saves its row at once.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::forms::{off_roster, off_roster_errors, parse_marks};
use super::views::{RegisterPage, RegisterRow};
use super::{
    Code, Conflict, DayState, RegisterDay, RegisterToSave, RosterMark, SaveOutcome, Saver,
};
use crate::attendance::register;
use crate::db;
use crate::error::AppError;
use crate::web::layout::{render_status, see_other_saved, Layout};
use crate::web::{CurrentUser, Role};
use crate::AppState;

/// Parses a date in a path; an impossible date is "no such page".
fn path_date(raw: &str) -> Result<NaiveDate, AppError> {
    crate::domain::dates::parse_day(raw).map_err(|_| AppError::NotFound)
}

fn is_office(user: &CurrentUser) -> bool {
    matches!(user.role, Role::Admin | Role::Principal)
}

fn base_url(user: &CurrentUser, class_id: i64, date: NaiveDate) -> String {
    let portal = if is_office(user) { "admin" } else { "teacher" };
    format!(
        "/{portal}/classes/{class_id}/attendance/{}",
        date.format("%Y-%m-%d")
    )
}

/// Loads the day (authorised: a teacher must teach or cover the class that day; the office
/// must own the school), the roster and the codes the user may use.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    class_id: i64,
    date: NaiveDate,
) -> Result<(RegisterDay, Vec<RosterMark>, Vec<Code>), AppError> {
    let (teacher, school) = if is_office(user) {
        (None, crate::models::schools::SchoolScope::of(user).filter())
    } else {
        (Some(user.id), None)
    };
    let (now, office) = (state.clock.now(), is_office(user));
    db::run(&state.pool, move |conn| {
        let (day, rows) = register::day_and_roster(conn, class_id, date, now, teacher, school)?;
        let codes = day
            .codes()
            .into_iter()
            .filter(|c| office || c.teacher_usable)
            .collect();
        Ok((day, rows, codes))
    })
    .await
}

/// [`load`] for a save: the register with the parents a save may email, in one statement.
async fn load_to_save(
    state: &AppState,
    user: &CurrentUser,
    class_id: i64,
    date: NaiveDate,
) -> Result<(RegisterToSave, Vec<Code>), AppError> {
    let (teacher, school) = if is_office(user) {
        (None, crate::models::schools::SchoolScope::of(user).filter())
    } else {
        (Some(user.id), None)
    };
    let (now, office) = (state.clock.now(), is_office(user));
    db::run(&state.pool, move |conn| {
        let found = register::find_register_to_save(conn, class_id, date, now, teacher, school)?;
        let codes = found
            .day
            .codes()
            .into_iter()
            .filter(|c| office || c.teacher_usable)
            .collect();
        Ok((found, codes))
    })
    .await
}

#[allow(clippy::too_many_arguments)]
fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    day: RegisterDay,
    date: NaiveDate,
    rows: Vec<RosterMark>,
    codes: Vec<Code>,
    conflicts: Vec<Conflict>,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let office = is_office(user);
    let (closed, read_only) = match day.state(date, office) {
        DayState::Open => (None, None),
        DayState::ReadOnly(m) => (None, Some(m)),
        DayState::NoRegister(m) => (Some(m), None),
    };
    let title = format!(
        "Register {} · {}",
        day.class_name,
        date.format("%a %-d %b %Y")
    );
    let back_url = if office {
        "/admin".to_string()
    } else {
        format!("/teacher/classes/{}", day.class_id)
    };
    render_status(
        &RegisterPage {
            layout: Layout::new(req, state, title),
            base_url: base_url(user, day.class_id, date),
            editable: closed.is_none() && read_only.is_none(),
            day,
            date,
            rows,
            codes,
            closed,
            read_only,
            conflicts,
            errors,
            office,
            back_url,
            notice: None,
        },
        status,
    )
}

pub async fn show_register(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (class_id, raw) = path.into_inner();
    let date = path_date(&raw)?;
    let (day, rows, codes) = load(&state, &user, class_id, date).await?;
    page(
        &req,
        &state,
        &user,
        day,
        date,
        rows,
        codes,
        Vec::new(),
        Vec::new(),
        StatusCode::OK,
    )
}

fn saver(state: &AppState, user: &CurrentUser) -> Saver {
    Saver {
        user_id: user.id,
        office: is_office(user),
        at: state.clock.now(),
        public_url: state.settings.public_url.clone(),
    }
}

/// After marks are saved: the absence emails they queued go out now (the mailer is woken only
/// when there are some), and the boards count them.
pub fn marks_saved(state: &AppState, emailed: usize) {
    if emailed > 0 {
        state.mailer.wake.notify_one();
    }
    state.registers_changed.bump();
}

/// Saves the whole register (the no-JavaScript form): everything, or nothing when a mark was
/// changed by someone else meanwhile.
pub async fn save_register(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, String)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, raw) = path.into_inner();
    let date = path_date(&raw)?;
    let (found, codes) = load_to_save(&state, &user, class_id, date).await?;
    if found.day.state(date, is_office(&user)) != DayState::Open {
        return page(
            &req,
            &state,
            &user,
            found.day,
            date,
            found.rows,
            codes,
            Vec::new(),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let fields = form.into_inner();
    let all_present = fields
        .iter()
        .any(|(k, v)| k == "action" && v == "all_present");
    let (marks, mut errors) = parse_marks(&fields, &found.rows, &codes, None, all_present);
    let strangers = off_roster(&fields, &found.rows);
    if !strangers.is_empty() {
        errors.extend(off_roster_errors(&state, found.day.school_id, strangers).await?);
    }
    if !errors.is_empty() {
        return page(
            &req,
            &state,
            &user,
            found.day,
            date,
            found.rows,
            codes,
            Vec::new(),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let saver = saver(&state, &user);
    let day = found.day.clone();
    let submitted = marks.clone();
    let outcome = db::run(&state.pool, move |conn| {
        Ok(register::save_marks(
            conn, &found, date, &submitted, &saver,
        )?)
    })
    .await?;
    match outcome {
        SaveOutcome::Saved {
            written, emailed, ..
        } => {
            marks_saved(&state, emailed);
            Ok(see_other_saved(&base_url(&user, class_id, date), written))
        }
        SaveOutcome::Conflicts(conflicts) => {
            // Nothing was saved. Show the stored marks where someone else changed them, and keep
            // this teacher's other choices on the page so they can save again knowingly.
            let mut fresh = db::run(&state.pool, move |conn| {
                Ok(register::list_register_marks(conn, class_id, date, false)?)
            })
            .await?;
            for row in fresh.iter_mut() {
                if conflicts.iter().any(|c| c.student_id == row.student_id) {
                    continue;
                }
                if let Some(m) = marks.iter().find(|m| m.student_id == row.student_id) {
                    row.code_id = Some(m.code_id);
                    row.late_minutes = m.late_minutes;
                    row.note = m.note.clone();
                }
            }
            page(
                &req,
                &state,
                &user,
                day,
                date,
                fresh,
                codes,
                conflicts,
                Vec::new(),
                StatusCode::CONFLICT,
            )
        }
    }
}

/// Saves one student's mark (htmx, on each tap) and answers with that row.
pub async fn save_mark(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, String, i64)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, raw, student_id) = path.into_inner();
    let date = path_date(&raw)?;
    let (found, codes) = load_to_save(&state, &user, class_id, date).await?;
    let Some(shown) = found
        .rows
        .iter()
        .find(|r| r.student_id == student_id)
        .cloned()
    else {
        return Err(AppError::NotFound);
    };
    let base = base_url(&user, class_id, date);
    let fragment = |row: RosterMark,
                    notice: Option<String>,
                    status: StatusCode|
     -> Result<HttpResponse, AppError> {
        let html = RegisterRow {
            row,
            codes: &codes,
            base_url: &base,
            editable: true,
            notice,
        }
        .render()?;
        Ok(crate::web::htmx::fragment_response(status, html))
    };
    if let DayState::ReadOnly(m) | DayState::NoRegister(m) = found.day.state(date, is_office(&user))
    {
        return fragment(shown, Some(m), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // htmx sends the whole form with a tap; only this row's fields count (the path's student
    // is on the roster, or this was a 404 above).
    let (marks, errors) = parse_marks(&form, &found.rows, &codes, Some(student_id), false);
    if let Some(e) = errors.into_iter().next() {
        return fragment(shown, Some(e), StatusCode::UNPROCESSABLE_ENTITY);
    }
    if marks.is_empty() {
        return fragment(shown, None, StatusCode::OK);
    }
    let saver = saver(&state, &user);
    let sent = marks.first().cloned();
    let outcome = db::run(&state.pool, move |conn| {
        Ok(register::save_marks(conn, &found, date, &marks, &saver)?)
    })
    .await?;
    match outcome {
        SaveOutcome::Saved {
            emailed, versions, ..
        } => {
            marks_saved(&state, emailed);
            // The row as saved: what was sent, at the version the save answered.
            let mut row = shown;
            if let Some(m) = sent {
                row.code_id = Some(m.code_id);
                row.late_minutes = m.late_minutes;
                row.note = m.note;
            }
            if let Some((_, version)) = versions.iter().find(|(s, _)| *s == student_id) {
                row.version = *version;
            }
            fragment(row, Some("Saved".into()), StatusCode::OK)
        }
        SaveOutcome::Conflicts(conflicts) => {
            let row = conflicts
                .into_iter()
                .find(|c| c.student_id == student_id)
                .map(|c| c.current)
                .ok_or(AppError::NotFound)?;
            let who = row.updated_by.clone().unwrap_or_else(|| "someone".into());
            let when = row
                .updated_at
                .map(|t| t.format("%H:%M UTC").to_string())
                .unwrap_or_default();
            let code = row.code.clone().unwrap_or_default();
            fragment(
                row,
                Some(format!(
                    "Not saved: {who} set {code} at {when}. Tap again to change it."
                )),
                StatusCode::CONFLICT,
            )
        }
    }
}
