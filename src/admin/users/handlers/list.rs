//! The people list: search, filters and pages.

use super::*;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) role: String,
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/users/list.html", blocks = ["user_results"])]
pub(super) struct UserListPage {
    pub(super) layout: Layout,
    pub(super) q: String,
    pub(super) role: String,
    pub(super) status: String,
    pub(super) rows: Vec<UserRow>,
    pub(super) matches: crate::admin::queries::Matches,
    pub(super) page: i64,
    pub(super) pages: i64,
    pub(super) roles: &'static [Role],
}

impl UserListPage {
    /// The list URL for another page with the same filters.
    fn page_url(&self, page: i64) -> String {
        format!(
            "/admin/users?q={}&role={}&status={}&page={page}",
            crate::web::urlencode(&self.q),
            crate::web::urlencode(&self.role),
            crate::web::urlencode(&self.status)
        )
    }
}

pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<ListQuery>,
    hx: Hx,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let q: String = query.q.trim().chars().take(100).collect();
    let role = if query.role.parse::<Role>().is_ok() {
        query.role.clone()
    } else {
        String::new()
    };
    let status = match query.status.as_str() {
        "active" | "inactive" => query.status.clone(),
        _ => String::new(),
    };
    let filter = UserFilter {
        search: (!q.is_empty()).then(|| q.clone()),
        role: (!role.is_empty()).then(|| role.clone()),
        active: match status.as_str() {
            "active" => Some(true),
            "inactive" => Some(false),
            _ => None,
        },
        page: query.page.unwrap_or(1).clamp(1, 100_000) - 1,
    };
    let scope = SchoolScope::of(&user);
    let page_index = filter.page;
    let (rows, matches) = db::run(&state.pool, move |conn| {
        Ok(queries::list_users(conn, scope, &filter)?)
    })
    .await?;
    let page = UserListPage {
        layout: Layout::new(&req, &state, "People"),
        q,
        role,
        status,
        rows,
        matches,
        page: page_index + 1,
        pages: matches.pages(PAGE_SIZE),
        roles: &Role::ALL,
    };
    crate::web::htmx::page_or_block(hx, StatusCode::OK, &page, |p| p.as_user_results().render())
}
