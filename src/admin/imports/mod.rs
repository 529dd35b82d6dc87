//! `/admin/imports`: CSV imports of students (with guardians) and of staff and parent accounts.
//! Upload, then a preview naming for every row whether it will create, update or be rejected,
//! with line, column and reason for each problem; nothing is written until the user confirms,
//! and then every row is written in one transaction or none is. Matching is by student number
//! or email, so importing the same file again changes nothing. Also the CSV exports.

pub mod exports;
pub mod parse;
pub mod plan;

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use futures_util::StreamExt;

use crate::audit::actor;
use crate::db;
use crate::error::AppError;
use crate::models::schools::SchoolScope;
use crate::schema::{imports, schools};
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::{CurrentUser, Role};
use crate::AppState;
use parse::Problem;
use plan::{Action, Plan};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/imports", web::get().to(upload_form))
        .route("/imports", web::post().to(upload))
        .route("/imports/template/{kind}.csv", web::get().to(template_file))
        .route("/imports/{import_id}", web::get().to(preview))
        .route("/imports/{import_id}/commit", web::post().to(commit));
    exports::routes(cfg);
}

/// Rows shown on a preview page; problem rows are always shown.
const PREVIEW_ROWS: usize = 300;

#[derive(Debug, Queryable)]
pub struct ImportRow {
    pub id: i64,
    pub kind: String,
    pub filename: String,
    pub created_at: DateTime<Utc>,
    pub status: String,
    pub school_name: String,
}

#[derive(Template)]
#[template(path = "admin/imports/upload.html")]
struct UploadPage {
    layout: Layout,
    schools: Vec<(i64, String)>,
    recent: Vec<ImportRow>,
    problems: Vec<Problem>,
    file_error: Option<String>,
}

async fn upload_page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    problems: Vec<Problem>,
    file_error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let scope = SchoolScope::of(user);
    let (schools, recent) = db::run(&app.pool, move |conn| {
        let mut q = imports::table.inner_join(schools::table).into_boxed();
        if let Some(id) = scope.filter() {
            q = q.filter(imports::school_id.eq(id));
        }
        let recent = q
            .order(imports::id.desc())
            .limit(20)
            .select((
                imports::id,
                imports::kind,
                imports::filename,
                imports::created_at,
                imports::status,
                schools::name,
            ))
            .load::<ImportRow>(conn)?;
        Ok((crate::models::schools::list_schools(conn, scope)?, recent))
    })
    .await?;
    render_status(
        &UploadPage {
            layout: Layout::new(req, app, "Import from CSV"),
            schools,
            recent,
            problems,
            file_error,
        },
        status,
    )
}

pub async fn upload_form(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    upload_page(&req, &app, &user, Vec::new(), None, StatusCode::OK).await
}

/// A header-only file to fill in.
pub async fn template_file(path: web::Path<(String,)>) -> Result<HttpResponse, AppError> {
    let columns = match path.into_inner().0.as_str() {
        "students" => plan::STUDENT_COLUMNS,
        "people" => plan::PEOPLE_COLUMNS,
        _ => return Err(AppError::NotFound),
    };
    Ok(crate::web::csv::csv_response(
        "rollbook-template.csv",
        format!("\u{feff}{}\r\n", columns.join(",")),
    ))
}

struct Upload {
    kind: String,
    school: String,
    filename: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut payload: Multipart) -> Result<Upload, String> {
    let mut up = Upload {
        kind: String::new(),
        school: String::new(),
        filename: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| format!("The upload was interrupted: {e}"))?;
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            up.filename = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or("upload.csv")
                .chars()
                .take(200)
                .collect();
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| format!("The upload was interrupted: {e}"))?;
            if data.len() + chunk.len() > parse::MAX_BYTES + 1 {
                return Err(format!(
                    "The file is larger than {} MB. Split it into smaller files.",
                    parse::MAX_BYTES / 1024 / 1024
                ));
            }
            data.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => up.bytes = data,
            "kind" => up.kind = String::from_utf8_lossy(&data).into_owned(),
            "school_id" => up.school = String::from_utf8_lossy(&data).into_owned(),
            _ => {}
        }
    }
    Ok(up)
}

fn columns(kind: &str) -> (&'static [&'static str], &'static [&'static str]) {
    if kind == "students" {
        (plan::STUDENT_REQUIRED, plan::STUDENT_ALLOWED)
    } else {
        (plan::PEOPLE_REQUIRED, plan::PEOPLE_COLUMNS)
    }
}

pub async fn upload(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let up = match read_upload(payload).await {
        Ok(up) => up,
        Err(e) => {
            return upload_page(
                &req,
                &app,
                &user,
                Vec::new(),
                Some(e),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await
        }
    };
    let kind = match up.kind.as_str() {
        "students" | "people" => up.kind.clone(),
        _ => {
            return upload_page(
                &req,
                &app,
                &user,
                Vec::new(),
                Some("Choose what the file holds.".into()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let scope = SchoolScope::of(&user);
    let schools = db::run(&app.pool, move |conn| {
        Ok(crate::models::schools::list_schools(conn, scope)?)
    })
    .await?;
    let school = match up
        .school
        .parse::<i64>()
        .ok()
        .filter(|id| schools.iter().any(|(s, _)| s == id))
    {
        Some(id) => id,
        None if schools.len() == 1 => schools[0].0,
        None => {
            return upload_page(
                &req,
                &app,
                &user,
                Vec::new(),
                Some("Choose the school the file is for.".into()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let text = match parse::as_text(&up.bytes) {
        Ok(t) => t,
        Err(e) => {
            return upload_page(
                &req,
                &app,
                &user,
                Vec::new(),
                Some(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let (required, allowed) = columns(&kind);
    if let Err(problems) = parse::parse(&text, required, allowed) {
        return upload_page(
            &req,
            &app,
            &user,
            problems,
            Some("The file cannot be imported as it is. Nothing was imported.".into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (uploader, now, filename) = (user.id, app.clock.now(), up.filename);
    let id: i64 = db::run(&app.pool, move |conn| {
        Ok(diesel::insert_into(imports::table)
            .values((
                imports::school_id.eq(school),
                imports::kind.eq(&kind),
                imports::uploaded_by.eq(uploader),
                imports::filename.eq(&filename),
                imports::content.eq(&text),
                imports::created_at.eq(now),
            ))
            .returning(imports::id)
            .get_result(conn)?)
    })
    .await?;
    Ok(see_other(&format!("/admin/imports/{id}")))
}

struct Stored {
    school: (i64, String),
    kind: String,
    filename: String,
    content: String,
    status: String,
}

fn load(conn: &mut PgConnection, scope: SchoolScope, id: i64) -> QueryResult<Stored> {
    let mut q = imports::table
        .inner_join(schools::table)
        .filter(imports::id.eq(id))
        .into_boxed();
    if let Some(own) = scope.filter() {
        q = q.filter(imports::school_id.eq(own));
    }
    let (sid, sname, kind, filename, content, status): (
        i64,
        String,
        String,
        String,
        String,
        String,
    ) = q
        .select((
            schools::id,
            schools::name,
            imports::kind,
            imports::filename,
            imports::content,
            imports::status,
        ))
        .first(conn)?;
    Ok(Stored {
        school: (sid, sname),
        kind,
        filename,
        content,
        status,
    })
}

fn grantable(user: &CurrentUser) -> Vec<Role> {
    match user.role {
        Role::Admin => Role::ALL.to_vec(),
        _ => vec![Role::Teacher, Role::Parent],
    }
}

/// Re-reads the stored file and plans it against the database as it is now.
fn plan_for(
    conn: &mut PgConnection,
    stored: &Stored,
    scope: SchoolScope,
    grantable: &[Role],
    today: chrono::NaiveDate,
) -> QueryResult<Plan> {
    let (required, allowed) = columns(&stored.kind);
    let rows = parse::parse(&stored.content, required, allowed).unwrap_or_default();
    if stored.kind == "students" {
        plan::plan_students(conn, stored.school.clone(), &rows, today)
    } else {
        plan::plan_people(conn, stored.school.0, grantable, scope, &rows)
    }
}

#[derive(Template)]
#[template(path = "admin/imports/preview.html")]
struct PreviewPage {
    layout: Layout,
    id: i64,
    kind: String,
    filename: String,
    school: String,
    committed: bool,
    plan: Plan,
    shown: Vec<usize>,
    error: Option<String>,
}

impl PreviewPage {
    fn count(&self, action: &str) -> usize {
        match action {
            "create" => self.plan.count(Action::Create),
            "update" => self.plan.count(Action::Update),
            "unchanged" => self.plan.count(Action::Unchanged),
            _ => self.plan.count(Action::Rejected),
        }
    }
}

async fn preview_page(
    req: &HttpRequest,
    app: &AppState,
    user: &CurrentUser,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (scope, today, grant) = (
        SchoolScope::of(user),
        app.clock.now().date_naive(),
        grantable(user),
    );
    let (stored, plan) = db::run(&app.pool, move |conn| {
        let stored = load(conn, scope, id)?;
        let plan = plan_for(conn, &stored, scope, &grant, today)?;
        Ok((stored, plan))
    })
    .await?;
    let shown: Vec<usize> = plan
        .rows
        .iter()
        .enumerate()
        .filter(|(i, r)| *i < PREVIEW_ROWS || !r.problems.is_empty())
        .map(|(i, _)| i)
        .collect();
    render_status(
        &PreviewPage {
            layout: Layout::new(req, app, "Check the import"),
            id,
            kind: stored.kind,
            filename: stored.filename,
            school: stored.school.1,
            committed: stored.status == "committed",
            plan,
            shown,
            error,
        },
        status,
    )
}

pub async fn preview(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let mut response = preview_page(&req, &app, &user, id, None, StatusCode::OK).await?;
    // After an htmx upload (which followed the redirect here), show this page's URL.
    if crate::web::Hx::from_request(&req).request {
        if let Ok(v) =
            actix_web::http::header::HeaderValue::from_str(&format!("/admin/imports/{id}"))
        {
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("hx-push-url"),
                v,
            );
        }
    }
    Ok(response)
}

pub async fn commit(
    req: HttpRequest,
    app: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let (scope, today, grant) = (
        SchoolScope::of(&user),
        app.clock.now().date_naive(),
        grantable(&user),
    );
    let actor = actor(&req, &app, &user);
    let (inviter, public_url) = (user.name.clone(), app.settings.public_url.clone());
    let outcome = db::run(&app.pool, move |conn| {
        let result = conn.transaction(|conn| -> Result<Result<(usize, usize), String>, diesel::result::Error> {
            let stored = load(conn, scope, id)?;
            if stored.status == "committed" {
                return Ok(Err("This file was imported already.".into()));
            }
            // Plan again inside the transaction: the database may have changed since the preview.
            let plan = plan_for(conn, &stored, scope, &grant, today)?;
            if plan.count(Action::Rejected) > 0 {
                return Ok(Err(format!("{} row(s) have problems. Correct the file and upload it again; nothing was imported.", plan.count(Action::Rejected))));
            }
            let counts = (plan.count(Action::Create), plan.count(Action::Update));
            if let Err(e) = plan::apply(conn, &plan, scope, &actor, today, &inviter, &public_url) {
                tracing::warn!(error = %e, "import rolled back");
                return Err(diesel::result::Error::RollbackTransaction);
            }
            diesel::update(imports::table.find(id))
                .set((imports::status.eq("committed"), imports::committed_at.eq(actor.at), imports::summary.eq(serde_json::json!({ "created": counts.0, "updated": counts.1 }))))
                .execute(conn)?;
            Ok(Ok(counts))
        });
        match result {
            Err(diesel::result::Error::RollbackTransaction) => Ok(Err("Someone changed these records while you were importing; nothing was imported. Open the preview again.".to_string())),
            other => Ok(other?),
        }
    })
    .await?;
    match outcome {
        Ok((created, updated)) => {
            app.mailer.wake.notify_one();
            app.registers_changed.bump();
            flash(
                &session,
                format!("Imported: {created} added, {updated} updated."),
            );
            Ok(see_other(&format!("/admin/imports/{id}")))
        }
        Err(message) => {
            preview_page(
                &req,
                &app,
                &user,
                id,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
