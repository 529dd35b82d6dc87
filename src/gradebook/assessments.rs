//! Creating, editing, archiving and deleting assessments.
//! Every change is audited in the same transaction; an edit over someone else's newer edit is
//! refused with what they saved.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Integer, Text, Timestamptz};
use serde_json::json;

use crate::audit::audit_change;
use crate::db;
use crate::error::AppError;
use crate::gradebook::grid::{base_url, load, Loaded, Scope, TermQuery};
use crate::gradebook::queries::Assessment;
use crate::web::form_state::FormState;
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

/// A number with at most two decimals in `(0, max]`.
pub fn positive_amount(raw: &str, max: f64) -> Option<f64> {
    match crate::domain::grades::parse_entry(raw, max) {
        Ok(Some(crate::domain::grades::Entry::Score(v))) if v > 0.0 => Some(v),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "gradebook/assessment_form.html")]
struct FormPage {
    layout: Layout,
    d: Loaded,
    base_url: String,
    editing: Option<Assessment>,
    state: FormState,
    conflict: Option<String>,
}

impl FormPage {
    fn default_of(&self, field: &str) -> String {
        match (&self.editing, field) {
            (Some(a), "title") => a.title.clone(),
            (Some(a), "date") => a.date.to_string(),
            (Some(a), "max_score") => a.max_label(),
            (Some(a), "category_id") => a.category_id.to_string(),
            (Some(a), "term_id") => a.term_id.to_string(),
            (Some(a), "published") => {
                if a.published {
                    "on".into()
                } else {
                    String::new()
                }
            }
            (Some(a), "version") => a.version.to_string(),
            (None, "date") => self
                .d
                .book
                .today
                .clamp(self.d.term.starts_on, self.d.term.ends_on)
                .to_string(),
            (None, "max_score") => "100".into(),
            (None, "term_id") => self.d.term.id.to_string(),
            _ => String::new(),
        }
    }
    fn v(&self, field: &str) -> String {
        self.state
            .value("assessment", field, &self.default_of(field))
    }
    fn err(&self, field: &str) -> Option<&str> {
        self.state.error("assessment", field)
    }
    fn action(&self) -> String {
        match &self.editing {
            Some(a) => format!("{}/assessments/{}/edit", self.base_url, a.id),
            None => format!("{}/assessments/new", self.base_url),
        }
    }
}

fn form_page(
    req: &HttpRequest,
    state: &AppState,
    d: Loaded,
    editing: Option<Assessment>,
    form: FormState,
    conflict: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = match &editing {
        Some(a) => format!("Edit {}", a.title),
        None => format!(
            "New assessment · {} · {}",
            d.book.subject_name, d.book.class_name
        ),
    };
    render_status(
        &FormPage {
            layout: Layout::new(req, state, title),
            base_url: base_url(d.book.class_id, d.book.subject_id),
            d,
            editing,
            state: form,
            conflict,
        },
        status,
    )
}

pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
    query: crate::web::Query<TermQuery>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id) = path.into_inner();
    let d = load(
        &state,
        &user,
        class_id,
        subject_id,
        Scope {
            term: query.into_inner().term,
            ..Scope::default()
        },
    )
    .await?;
    form_page(
        &req,
        &state,
        d,
        None,
        FormState::default(),
        None,
        StatusCode::OK,
    )
}

struct Valid {
    title: String,
    category_id: i64,
    term_id: i64,
    date: NaiveDate,
    max_score: f64,
    published: bool,
}

fn validate(form: &mut FormState, d: &Loaded) -> Valid {
    let title = form.text("title", "title", 120);
    let categories: Vec<i64> = d.categories.iter().map(|c| c.id).collect();
    let category_id = form.choice("category_id", &categories, "Choose a type from the list.");
    let terms: Vec<i64> = d.terms.iter().map(|t| t.id).collect();
    let term_id = form.choice("term_id", &terms, "Choose a term from the list.");
    let date = form.date("date");
    if form.error("assessment", "date").is_none() && form.error("assessment", "term_id").is_none() {
        if let Some(t) = d.terms.iter().find(|t| t.id == term_id) {
            if date < t.starts_on || date > t.ends_on {
                form.fail(
                    "date",
                    format!(
                        "Choose a date in {} ({} to {}).",
                        t.name, t.starts_on, t.ends_on
                    ),
                );
            }
        }
    }
    let max_score = match positive_amount(form.get("max_score"), 10_000.0) {
        Some(v) => v,
        None => {
            form.fail("max_score", "Enter the maximum score: a number above 0, up to 10000, with at most two decimals.");
            0.0
        }
    };
    let published = !form.get("published").is_empty();
    Valid {
        title,
        category_id,
        term_id,
        date,
        max_score,
        published,
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id) = path.into_inner();
    let mut fs = FormState::new("assessment", &form);
    let asked_term = fs.get("term_id").parse().ok();
    let d = load(
        &state,
        &user,
        class_id,
        subject_id,
        Scope {
            term: asked_term,
            ..Scope::default()
        },
    )
    .await?;
    let v = validate(&mut fs, &d);
    if !fs.ok() {
        return form_page(
            &req,
            &state,
            d,
            None,
            fs,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = crate::audit::actor(&req, &state, &user);
    let book = d.book.clone();
    let id = db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let row: crate::db::IdRow = db::statement(include_str!("sql/insert_assessment.sql"))
            .bind::<BigInt, _>(book.school_id)
            .bind::<BigInt, _>(book.class_id)
            .bind::<BigInt, _>(book.subject_id)
            .bind::<BigInt, _>(v.term_id)
            .bind::<BigInt, _>(v.category_id)
            .bind::<Text, _>(v.title.clone())
            .bind::<Date, _>(v.date)
            .bind::<Double, _>(v.max_score)
            .bind::<Bool, _>(v.published)
            .bind::<BigInt, _>(actor.user_id)
            .bind::<Timestamptz, _>(actor.at)
            .get_result(conn)?;
            let after = json!({ "title": v.title, "class_id": book.class_id, "subject_id": book.subject_id, "term_id": v.term_id,
                                "category_id": v.category_id, "date": v.date, "max_score": v.max_score, "published": v.published });
            audit_change(conn, &actor, "create", "assessment", row.id, book.school_id, None, Some(after))?;
            Ok::<_, diesel::result::Error>(row.id)
        })?)
    })
    .await?;
    flash(&session, "Assessment created. Enter the marks below.");
    Ok(see_other(&format!(
        "{}/assessments/{id}",
        base_url(class_id, subject_id)
    )))
}

pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id, assessment_id) = path.into_inner();
    let d = load(
        &state,
        &user,
        class_id,
        subject_id,
        Scope {
            assessment: Some(assessment_id),
            ..Scope::default()
        },
    )
    .await?;
    let a = d.assessments.first().cloned().ok_or(AppError::NotFound)?;
    form_page(
        &req,
        &state,
        d,
        Some(a),
        FormState::default(),
        None,
        StatusCode::OK,
    )
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64, i64, i64)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id, assessment_id) = path.into_inner();
    let mut fs = FormState::new("assessment", &form);
    let d = load(
        &state,
        &user,
        class_id,
        subject_id,
        Scope {
            assessment: Some(assessment_id),
            ..Scope::default()
        },
    )
    .await?;
    let current = d.assessments.first().cloned().ok_or(AppError::NotFound)?;
    let seen: i32 = fs.get("version").parse().unwrap_or(0);
    let v = validate(&mut fs, &d);
    if !fs.ok() {
        return form_page(
            &req,
            &state,
            d,
            Some(current),
            fs,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let actor = crate::audit::actor(&req, &state, &user);
    let school_id = d.book.school_id;
    let before = json!({ "title": current.title, "term_id": current.term_id, "category_id": current.category_id,
                         "date": current.date, "max_score": current.max_score, "published": current.published });
    let after = json!({ "title": v.title, "term_id": v.term_id, "category_id": v.category_id,
                        "date": v.date, "max_score": v.max_score, "published": v.published });
    let updated = db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let n = db::statement(include_str!("sql/update_assessment.sql"))
                .bind::<Text, _>(v.title.clone())
                .bind::<BigInt, _>(v.term_id)
                .bind::<BigInt, _>(v.category_id)
                .bind::<Date, _>(v.date)
                .bind::<Double, _>(v.max_score)
                .bind::<Bool, _>(v.published)
                .bind::<Timestamptz, _>(actor.at)
                .bind::<BigInt, _>(assessment_id)
                .bind::<Integer, _>(seen)
                .execute(conn)?;
            if n == 1 {
                let (b, a) = crate::audit::changed_fields(&before, &after);
                audit_change(
                    conn,
                    &actor,
                    "update",
                    "assessment",
                    assessment_id,
                    school_id,
                    Some(b),
                    Some(a),
                )?;
            }
            Ok::<_, diesel::result::Error>(n == 1)
        })?)
    })
    .await?;
    if !updated {
        let conflict = format!(
            "Someone else changed this assessment after you opened it. It now says: “{}”, {} {}, out of {}, {}. Your changes are below; save again to replace theirs.",
            current.title,
            current.category,
            current.date,
            current.max_label(),
            if current.published { "published" } else { "not published" }
        );
        fs.values
            .insert("version".into(), current.version.to_string());
        return form_page(
            &req,
            &state,
            d,
            Some(current),
            fs,
            Some(conflict),
            StatusCode::CONFLICT,
        );
    }
    flash(&session, "Assessment saved.");
    Ok(see_other(&format!(
        "{}/assessments/{assessment_id}",
        base_url(class_id, subject_id)
    )))
}

/// Archives an assessment (it stops counting and showing) or restores it.
fn set_archived(
    conn: &mut PgConnection,
    assessment_id: i64,
    archived: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    use crate::schema::assessments::dsl as a;
    diesel::update(a::assessments.find(assessment_id))
        .set((
            a::archived.eq(archived),
            a::version.eq(a::version + 1),
            a::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Deletes an assessment with no marks; one with marks is archived instead (restorable).
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64, i64, i64)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id, assessment_id) = path.into_inner();
    let d = load(
        &state,
        &user,
        class_id,
        subject_id,
        Scope {
            assessment: Some(assessment_id),
            ..Scope::default()
        },
    )
    .await?;
    let a = d.assessments.first().cloned().ok_or(AppError::NotFound)?;
    let restore = form.iter().any(|(k, v)| k == "action" && v == "restore");
    let actor = crate::audit::actor(&req, &state, &user);
    let school_id = d.book.school_id;
    let term = a.term_id;
    let outcome = db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            let snapshot = json!({ "title": a.title, "category": a.category, "date": a.date, "max_score": a.max_score,
                                   "published": a.published, "archived": a.archived });
            if restore {
                set_archived(conn, assessment_id, false, actor.at)?;
                audit_change(conn, &actor, "restore", "assessment", assessment_id, school_id, Some(snapshot), None)?;
                return Ok::<_, diesel::result::Error>("restored");
            }
            // Deleting only while no marks exist: the check and the delete are one statement.
            let deleted = db::statement(include_str!("sql/delete_unmarked_assessment.sql"))
                .bind::<BigInt, _>(assessment_id)
                .execute(conn)?;
            if deleted == 1 {
                audit_change(conn, &actor, "delete", "assessment", assessment_id, school_id, Some(snapshot), None)?;
                return Ok("deleted");
            }
            set_archived(conn, assessment_id, true, actor.at)?;
            audit_change(conn, &actor, "archive", "assessment", assessment_id, school_id, Some(snapshot), None)?;
            Ok("archived")
        })?)
    })
    .await?;
    let base = base_url(class_id, subject_id);
    match outcome {
        "deleted" => {
            flash(&session, "Assessment deleted.");
            Ok(see_other(&format!("{base}?term={term}")))
        }
        "restored" => {
            flash(&session, "Assessment restored to the gradebook.");
            Ok(see_other(&format!("{base}/assessments/{assessment_id}")))
        }
        _ => {
            flash(&session, "The assessment has marks, so it was archived instead of deleted: it no longer counts or shows in the gradebook, and can be restored.");
            Ok(see_other(&format!("{base}/assessments/{assessment_id}")))
        }
    }
}
