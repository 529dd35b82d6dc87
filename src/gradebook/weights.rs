//! A gradebook's category weights: how much each kind of assessment counts in its averages.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double};
use serde_json::json;

use crate::audit::audit_change;
use crate::db;
use crate::error::AppError;
use crate::gradebook::grid::{base_url, load, Loaded, Scope};
use crate::web::form_state::FormState;
use crate::web::layout::{flash, render_status, see_other, Layout};
use crate::web::CurrentUser;
use crate::AppState;

use crate::gradebook::assessments::positive_amount;

#[derive(Template)]
#[template(path = "gradebook/weights.html")]
struct WeightsPage {
    layout: Layout,
    d: Loaded,
    base_url: String,
    state: FormState,
}

impl WeightsPage {
    fn v(&self, id: &i64, current: &Option<f64>) -> String {
        let default = current
            .map(crate::domain::grades::format_score)
            .unwrap_or_default();
        self.state.value("weights", &format!("w_{id}"), &default)
    }
    fn err(&self, id: &i64) -> Option<&str> {
        self.state.error("weights", &format!("w_{id}"))
    }
}

fn weights_page(
    req: &HttpRequest,
    state: &AppState,
    d: Loaded,
    form: FormState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let title = format!(
        "Category weights · {} · {}",
        d.book.subject_name, d.book.class_name
    );
    render_status(
        &WeightsPage {
            layout: Layout::new(req, state, title),
            base_url: base_url(d.book.class_id, d.book.subject_id),
            d,
            state: form,
        },
        status,
    )
}

pub async fn show_weights(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id) = path.into_inner();
    let d = load(&state, &user, class_id, subject_id, Scope::default()).await?;
    weights_page(&req, &state, d, FormState::default(), StatusCode::OK)
}

pub async fn save_weights(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64, i64)>,
    form: crate::web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (class_id, subject_id) = path.into_inner();
    let d = load(&state, &user, class_id, subject_id, Scope::default()).await?;
    let mut fs = FormState::new("weights", &form);
    let mut ids = Vec::new();
    let mut weights = Vec::new();
    for c in &d.categories {
        let field = format!("w_{}", c.id);
        let raw = fs.get(&field).to_string();
        if raw.is_empty() {
            continue;
        }
        match positive_amount(&raw, 1000.0) {
            Some(w) => {
                ids.push(c.id);
                weights.push(w);
            }
            None => fs.fail(&field, format!("{}: enter a weight above 0 and up to 1000 (at most two decimals), or leave it blank.", c.name)),
        }
    }
    if !fs.ok() {
        return weights_page(&req, &state, d, fs, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let actor = crate::audit::actor(&req, &state, &user);
    let book = d.book.clone();
    let before = json!(d
        .categories
        .iter()
        .filter_map(|c| c.weight.map(|w| (c.name.clone(), w)))
        .collect::<std::collections::BTreeMap<_, _>>());
    let after = json!(d
        .categories
        .iter()
        .filter_map(|c| ids
            .iter()
            .position(|i| *i == c.id)
            .map(|p| (c.name.clone(), weights[p])))
        .collect::<std::collections::BTreeMap<_, _>>());
    db::run(&state.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            {
                use crate::schema::category_weights::dsl as cw;
                diesel::delete(
                    cw::category_weights
                        .filter(cw::class_id.eq(book.class_id))
                        .filter(cw::subject_id.eq(book.subject_id)),
                )
                .execute(conn)?;
            }
            db::statement(include_str!("sql/insert_category_weights.sql"))
                .bind::<BigInt, _>(book.school_id)
                .bind::<BigInt, _>(book.class_id)
                .bind::<BigInt, _>(book.subject_id)
                .bind::<Array<BigInt>, _>(ids)
                .bind::<Array<Double>, _>(weights)
                .execute(conn)?;
            audit_change(
                conn,
                &actor,
                "update",
                "category_weights",
                book.class_id,
                book.school_id,
                Some(before),
                Some(after),
            )?;
            Ok::<_, diesel::result::Error>(())
        })?)
    })
    .await?;
    flash(&session, "Weights saved. Averages now use them.");
    Ok(see_other(&base_url(class_id, subject_id)))
}
