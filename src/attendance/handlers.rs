//! `/teacher` pages.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::error::AppError;
use crate::models::classes::{self, RosterStudent, TaughtClass};
use crate::web::layout::{render, Layout};
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Template)]
#[template(path = "attendance/teacher_home.html")]
struct TeacherHome {
    layout: Layout,
    classes: Vec<TaughtClass>,
    statuses: Vec<crate::attendance::register::RegisterStatus>,
}

impl TeacherHome {
    fn status(&self, class_id: &i64) -> Option<&crate::attendance::register::RegisterStatus> {
        self.statuses.iter().find(|s| s.class_id == *class_id)
    }
}

pub async fn teacher_home(
    req: HttpRequest,
    state: web::Data<AppState>,
    teacher: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (teacher_id, today) = (teacher.id, state.clock.now().date_naive());
    let now = state.clock.now();
    let (classes, statuses) = db::run(&state.pool, move |conn| {
        let classes = classes::list_taught_classes(conn, teacher_id, today)?;
        let ids: Vec<i64> = classes.iter().map(|c| c.id).collect();
        let statuses = crate::attendance::register::register_status(conn, &ids, now)?;
        Ok((classes, statuses))
    })
    .await?;
    render(&TeacherHome {
        layout: Layout::new(&req, &state, "My classes"),
        classes,
        statuses,
    })
}

#[derive(Template)]
#[template(path = "attendance/class.html")]
struct ClassPage {
    layout: Layout,
    class: TaughtClass,
    students: Vec<RosterStudent>,
    subjects: Vec<crate::models::classes::SubjectLink>,
    today: chrono::NaiveDate,
}

pub async fn show_class(
    req: HttpRequest,
    state: web::Data<AppState>,
    teacher: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let class_id = path.into_inner().0;
    let (teacher_id, today) = (teacher.id, state.clock.now().date_naive());
    let (class, students, subjects) = db::run(&state.pool, move |conn| {
        // Another teacher's class is NotFound → 404, so ids cannot be probed.
        let class = classes::find_taught_class(conn, teacher_id, class_id, today)?;
        let students = classes::list_class_students(conn, class_id, today)?;
        let subjects =
            crate::models::classes::list_taught_subjects(conn, class_id, teacher_id, today)?;
        Ok((class, students, subjects))
    })
    .await?;
    let title = format!("Class {}", class.name);
    render(&ClassPage {
        layout: Layout::new(&req, &state, title),
        class,
        students,
        subjects,
        today,
    })
}

#[derive(Template)]
#[template(path = "attendance/student.html")]
struct StudentPage {
    layout: Layout,
    record: crate::models::students::StudentRecord,
}

/// A student's contacts and medical notes, for teachers who teach them today; others get 404.
/// Each opening is written to the audit trail.
pub async fn show_student(
    req: HttpRequest,
    state: web::Data<AppState>,
    teacher: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    use diesel::Connection;
    let student_id = path.into_inner().0;
    let (teacher_id, today) = (teacher.id, state.clock.now().date_naive());
    let actor = crate::audit::actor(&req, &state, &teacher);
    let record = db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            if !classes::teaches_student(conn, teacher_id, student_id, today)? {
                return Err(diesel::result::Error::NotFound);
            }
            use crate::models::schools::SchoolScope;
            use crate::models::students;
            let record = students::find_student(conn, SchoolScope::District, student_id, today)?;
            students::record_view(conn, student_id, record.student.school_id, &actor)?;
            Ok(record)
        })?)
    })
    .await?;
    let title = format!(
        "{} {}",
        record.student.given_name, record.student.family_name
    );
    render(&StudentPage {
        layout: Layout::new(&req, &state, title),
        record,
    })
}
