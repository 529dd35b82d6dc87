//! `/parent` pages.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::db;
use crate::error::AppError;
use crate::parents::queries::{self, Child};
use crate::web::layout::{render, Layout};
use crate::web::CurrentUser;
use crate::AppState;

#[derive(Template)]
#[template(path = "parents/home.html")]
struct ParentHome {
    layout: Layout,
    children: Vec<Child>,
}

pub async fn parent_home(
    req: HttpRequest,
    state: web::Data<AppState>,
    parent: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let (parent_id, today) = (parent.id, state.clock.now().date_naive());
    let children = db::run(&state.pool, move |conn| {
        Ok(queries::list_children(conn, parent_id, today)?)
    })
    .await?;
    render(&ParentHome {
        layout: Layout::new(&req, &state, "My children"),
        children,
    })
}

#[derive(Template)]
#[template(path = "parents/child.html")]
struct ChildPage {
    layout: Layout,
    child: Child,
}

pub async fn show_child(
    req: HttpRequest,
    state: web::Data<AppState>,
    parent: CurrentUser,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let student_id = path.into_inner().0;
    let (parent_id, today) = (parent.id, state.clock.now().date_naive());
    let child = db::run(&state.pool, move |conn| {
        Ok(queries::find_child(conn, parent_id, student_id, today)?)
    })
    .await?;
    let title = format!("{} {}", child.first_name(), child.family_name);
    render(&ChildPage {
        layout: Layout::new(&req, &state, title),
        child,
    })
}
