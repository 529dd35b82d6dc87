//! Behaviour and participation records, kept by teachers for students of classes they teach.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::audit_change;
use crate::db;
use crate::error::AppError;
use crate::gradebook::grid::display_name;
use crate::models::classes::{self as aq, RosterStudent, TaughtClass};
use crate::models::work::{BehaviourRecord, ParticipationRecord};
use crate::web::form_state::FormState;
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Debug, Clone, Queryable)]
pub struct BehaviourCategory {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

pub const STATUSES: [(&str, &str); 4] = [
    ("participated", "Took part"),
    ("winner", "Won or placed"),
    ("absent", "Did not attend"),
    ("withdrawn", "Withdrew"),
];

struct Loaded {
    class: TaughtClass,
    school_id: i64,
    today: NaiveDate,
    students: Vec<RosterStudent>,
    categories: Vec<BehaviourCategory>,
    records: Vec<BehaviourRecord>,
    participation: Vec<ParticipationRecord>,
}

async fn load(state: &AppState, user: &CurrentUser, class_id: i64) -> Result<Loaded, AppError> {
    let (teacher, today) = (user.id, state.clock.now().date_naive());
    db::run(&state.pool, move |conn| {
        let class = aq::find_taught_class(conn, teacher, class_id, today)?;
        let school_id: i64 = crate::schema::classes::table
            .find(class_id)
            .select(crate::schema::classes::school_id)
            .first(conn)?;
        let students = aq::list_class_students(conn, class_id, today)?;
        let categories = {
            use crate::schema::behaviour_categories::dsl as bc;
            bc::behaviour_categories
                .filter(bc::school_id.eq(school_id))
                .order((bc::kind.desc(), bc::position, bc::name))
                .select((bc::id, bc::name, bc::kind))
                .load(conn)?
        };
        let since = today - chrono::Duration::days(120);
        let crate::models::work::Records {
            behaviour: records,
            participation,
        } = crate::models::work::list_class_records(conn, class_id, since)?;
        Ok(Loaded {
            class,
            school_id,
            today,
            students,
            categories,
            records,
            participation,
        })
    })
    .await
}

#[derive(Template)]
#[template(path = "gradebook/behaviour.html")]
struct Page {
    layout: Layout,
    d: Loaded,
    state: FormState,
    statuses: [(&'static str, &'static str); 4],
}

impl Page {
    fn v(&self, key: &str, field: &str) -> String {
        let default = match field {
            "date" => self.d.today.to_string(),
            "status" => "participated".to_string(),
            _ => String::new(),
        };
        self.state.value(key, field, &default)
    }
    fn err(&self, key: &str, field: &str) -> Option<&str> {
        self.state.error(key, field)
    }
    fn name(&self, s: &RosterStudent) -> String {
        display_name(s)
    }
    fn status_label(&self, status: &str) -> &'static str {
        STATUSES
            .iter()
            .find(|(k, _)| *k == status)
            .map_or("", |(_, l)| l)
    }
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    d: Loaded,
    form: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = format!("Behaviour · {}", d.class.name);
    render_status(
        &Page {
            layout: Layout::new(req, state, title),
            d,
            state: form,
            statuses: STATUSES,
        },
        status,
    )
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let d = load(&state, &user, path.into_inner().0).await?;
    page(&req, &state, d, FormState::default(), StatusCode::OK)
}

/// Common checks: the student is in the class, the date is real, not in the future and within a
/// year, the text is within bounds.
fn common(
    fs: &mut FormState,
    d: &Loaded,
    text_field: &str,
    text_label: &str,
    max: usize,
) -> (i64, NaiveDate, String) {
    let ids: Vec<i64> = d.students.iter().map(|s| s.id).collect();
    let student = fs.choice("student_id", &ids, "Choose a student of this class.");
    let date = fs.date("date");
    if fs.error(&fs.key.clone(), "date").is_none() {
        if date > d.today {
            fs.fail("date", "The date cannot be in the future.");
        } else if (d.today - date).num_days() > 365 {
            fs.fail("date", "The date must be within the last year.");
        }
    }
    let text = fs.get(text_field).to_string();
    if text.chars().count() > max {
        fs.fail(
            text_field,
            format!("The {text_label} has at most {max} characters."),
        );
    } else if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        fs.fail(
            text_field,
            format!("The {text_label} cannot contain control characters."),
        );
    }
    (student, date, text)
}

pub async fn record_behaviour(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let class_id = path.into_inner().0;
    let d = load(&state, &user, class_id).await?;
    let mut fs = FormState::new("behaviour", &form);
    let (student, date, note) = common(&mut fs, &d, "note", "note", 1000);
    let cats: Vec<i64> = d.categories.iter().map(|c| c.id).collect();
    let category = fs.choice("category_id", &cats, "Choose a category from the list.");
    if !fs.ok() {
        return page(&req, &state, d, fs, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let kind = d
        .categories
        .iter()
        .find(|c| c.id == category)
        .map(|c| c.kind.clone())
        .unwrap_or_default();
    let actor = crate::audit::actor(&req, &state, &user);
    let school_id = d.school_id;
    db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            use crate::schema::behaviour_records::dsl as b;
            let id: i64 = diesel::insert_into(b::behaviour_records)
                .values((
                    b::school_id.eq(school_id),
                    b::student_id.eq(student),
                    b::class_id.eq(class_id),
                    b::category_id.eq(category),
                    b::kind.eq(&kind),
                    b::date.eq(date),
                    b::note.eq(&note),
                    b::recorded_by.eq(actor.user_id),
                    b::created_at.eq(actor.at),
                ))
                .returning(b::id)
                .get_result(conn)?;
            let after = json!({ "student_id": student, "class_id": class_id, "category_id": category, "kind": kind, "date": date, "note": note });
            audit_change(conn, &actor, "create", "behaviour_record", id, school_id, None, Some(after))
        })?)
    })
    .await?;
    flash(&session, "Behaviour recorded.");
    Ok(see_other(&format!("/teacher/classes/{class_id}/behaviour")))
}

pub async fn record_participation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let class_id = path.into_inner().0;
    let d = load(&state, &user, class_id).await?;
    let mut fs = FormState::new("participation", &form);
    let (student, date, remarks) = common(&mut fs, &d, "remarks", "remarks", 500);
    let event = fs.text("event", "event name", 120);
    let status = fs.get("status").to_string();
    if !STATUSES.iter().any(|(k, _)| *k == status) {
        fs.fail("status", "Choose how the student took part.");
    }
    if !fs.ok() {
        return page(&req, &state, d, fs, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = crate::audit::actor(&req, &state, &user);
    let school_id = d.school_id;
    db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            use crate::schema::participation::dsl as pa;
            let id: i64 = diesel::insert_into(pa::participation)
                .values((
                    pa::school_id.eq(school_id),
                    pa::student_id.eq(student),
                    pa::class_id.eq(class_id),
                    pa::event.eq(&event),
                    pa::date.eq(date),
                    pa::status.eq(&status),
                    pa::remarks.eq(&remarks),
                    pa::recorded_by.eq(actor.user_id),
                    pa::created_at.eq(actor.at),
                ))
                .returning(pa::id)
                .get_result(conn)?;
            let after = json!({ "student_id": student, "class_id": class_id, "event": event, "date": date, "status": status, "remarks": remarks });
            audit_change(conn, &actor, "create", "participation", id, school_id, None, Some(after))
        })?)
    })
    .await?;
    flash(&session, "Participation recorded.");
    Ok(see_other(&format!("/teacher/classes/{class_id}/behaviour")))
}
