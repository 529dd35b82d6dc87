//! CSV exports that open cleanly in a spreadsheet: UTF-8 with a byte-order mark, CRLF lines,
//! and cells that a spreadsheet would run as formulas made inert.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::web::csv::{csv_response, to_csv};
use crate::web::CurrentUser;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/exports/students.csv", web::get().to(export_students))
        .route("/exports/users.csv", web::get().to(export_users))
        .route("/exports/classes.csv", web::get().to(export_classes));
}

#[derive(QueryableByName)]
struct StudentExport {
    #[diesel(sql_type = Text)]
    student_number: String,
    #[diesel(sql_type = Text)]
    given_name: String,
    #[diesel(sql_type = Text)]
    family_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    preferred_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    date_of_birth: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    gender: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    enrolled_on: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    class: Option<String>,
    #[diesel(sql_type = Text)]
    medical_notes: String,
    #[diesel(sql_type = Text)]
    allergies: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    school: String,
    #[diesel(sql_type = Nullable<Text>)]
    g1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    g2: Option<String>,
}

/// Students in scope with their class and first two guardians; the same columns the import
/// reads, so an export can be edited and imported back.
pub async fn export_students(
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (scope, today) = (SchoolScope::of(&user), app.clock.now().date_naive());
    let rows = db::run(&app.pool, move |conn| {
        Ok(
            crate::db::statement(include_str!("sql/list_students_export.sql"))
                .bind::<Nullable<BigInt>, _>(scope.filter())
                .bind::<diesel::sql_types::Date, _>(today)
                .load::<StudentExport>(conn)?,
        )
    })
    .await?;
    let guardian = |g: &Option<String>| -> Vec<String> {
        let mut parts: Vec<String> = g
            .as_deref()
            .unwrap_or("")
            .split('\u{1f}')
            .map(str::to_string)
            .collect();
        parts.resize(4, String::new());
        if g.is_none() {
            vec![String::new(); 4]
        } else {
            parts
        }
    };
    let mut header: Vec<&str> = super::plan::STUDENT_COLUMNS.to_vec();
    header.extend(["status", "school"]);
    let body = to_csv(
        &header,
        rows.into_iter().map(|r| {
            let mut row = vec![
                r.student_number,
                r.given_name,
                r.family_name,
                r.preferred_name.unwrap_or_default(),
                r.date_of_birth.unwrap_or_default(),
                r.gender.unwrap_or_default(),
                r.enrolled_on.unwrap_or_default(),
                r.class.unwrap_or_default(),
                r.medical_notes,
                r.allergies,
            ];
            row.extend(guardian(&r.g1));
            row.extend(guardian(&r.g2));
            row.extend([r.status, r.school]);
            row
        }),
    );
    Ok(csv_response("students.csv", body))
}

#[derive(QueryableByName)]
struct UserExport {
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    display_name: String,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<Text>)]
    phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    school: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    active: bool,
}

pub async fn export_users(
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(&user);
    let rows = db::run(&app.pool, move |conn| {
        Ok(
            crate::db::statement(include_str!("sql/list_users_export.sql"))
                .bind::<Nullable<BigInt>, _>(scope.filter())
                .load::<UserExport>(conn)?,
        )
    })
    .await?;
    let body = to_csv(
        &["email", "name", "role", "phone", "school", "active"],
        rows.into_iter().map(|r| {
            vec![
                r.email,
                r.display_name,
                r.role,
                r.phone.unwrap_or_default(),
                r.school.unwrap_or_default(),
                if r.active { "yes".into() } else { "no".into() },
            ]
        }),
    );
    Ok(csv_response("users.csv", body))
}

#[derive(QueryableByName)]
struct ClassExport {
    #[diesel(sql_type = Text)]
    school: String,
    #[diesel(sql_type = Text)]
    year: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    grade_level: String,
    #[diesel(sql_type = Nullable<Text>)]
    homeroom: Option<String>,
    #[diesel(sql_type = BigInt)]
    students: i64,
}

pub async fn export_classes(
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (scope, today) = (SchoolScope::of(&user), app.clock.now().date_naive());
    let rows = db::run(&app.pool, move |conn| {
        Ok(
            crate::db::statement(include_str!("sql/list_classes_export.sql"))
                .bind::<Nullable<BigInt>, _>(scope.filter())
                .bind::<diesel::sql_types::Date, _>(today)
                .load::<ClassExport>(conn)?,
        )
    })
    .await?;
    let body = to_csv(
        &[
            "school",
            "academic_year",
            "class",
            "grade_level",
            "homeroom_teacher",
            "students",
        ],
        rows.into_iter().map(|r| {
            vec![
                r.school,
                r.year,
                r.name,
                r.grade_level,
                r.homeroom.unwrap_or_default(),
                r.students.to_string(),
            ]
        }),
    );
    Ok(csv_response("classes.csv", body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::csv::safe_cell;

    #[test]
    fn formula_cells_are_made_inert() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+44 20"), "'+44 20");
        assert_eq!(safe_cell("O'Brien"), "O'Brien");
    }

    #[test]
    fn csv_has_a_bom_and_quotes_where_needed() {
        let out = to_csv(
            &["a", "b"],
            vec![vec!["x, y".to_string(), "plain".to_string()]],
        );
        assert_eq!(out, "\u{feff}a,b\r\n\"x, y\",plain\r\n");
    }
}
