//! `/teacher/dashboard`: for the classes a teacher teaches, who has been absent often, who is
//! slipping, and which assessments are not yet marked.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::pct;
use crate::dashboard::queries::{self as q, Flagged};
use crate::db;
use crate::error::AppError;
use crate::web::layout::{render, Layout};
use crate::web::summary_age::age_note;
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Template)]
#[template(path = "dashboard/teacher.html")]
struct TeacherPage {
    layout: Layout,
    absent_often: Vec<Flagged>,
    slipping: Vec<Flagged>,
    unmarked: Vec<q::Unmarked>,
    age: String,
}

impl TeacherPage {
    fn pct<T: std::borrow::Borrow<Option<f64>>>(&self, v: T) -> String {
        pct(*v.borrow())
    }
}

/// A teacher's own dashboard: for the classes they teach, who has been absent often, who is
/// slipping, and which assessments are not yet marked.
pub async fn teacher(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (teacher, now) = (user.id, state.clock.now());
    let (students, unmarked, refreshed) = db::run(&state.pool, move |conn| {
        let today = now.date_naive();
        let classes: Vec<i64> = crate::models::classes::list_taught_classes(conn, teacher, today)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let students = q::list_students_of_classes(conn, &classes, today)?;
        let unmarked = q::list_unmarked(conn, teacher, today)?;
        Ok((
            students,
            unmarked,
            crate::models::insight::find_last_refresh(conn)?,
        ))
    })
    .await?;
    let absent_often = students
        .iter()
        .filter(|s| s.low_attendance || s.streak)
        .cloned()
        .collect();
    let slipping = students.iter().filter(|s| s.low_average).cloned().collect();
    render(&TeacherPage {
        layout: Layout::new(&req, &state, "My dashboard"),
        absent_often,
        slipping,
        unmarked,
        age: age_note(refreshed, now),
    })
}
