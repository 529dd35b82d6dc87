//! The students list: search, filters and pages.

use super::*;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) class_id: String,
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) page: Option<i64>,
    /// An admin's school (the class filter then offers that school's classes).
    #[serde(default)]
    pub(super) school: String,
}

#[derive(Template)]
#[template(path = "admin/students/list.html")]
pub(super) struct StudentListPage {
    pub(super) layout: Layout,
    pub(super) q: String,
    pub(super) class_id: String,
    pub(super) status: String,
    pub(super) schools: Vec<(i64, String)>,
    /// The school an admin narrowed the list to.
    pub(super) picked: Option<(i64, String)>,
    /// The classes the class filter offers: the school's (none for a whole district).
    pub(super) classes: Vec<(i64, i64, String)>,
    pub(super) rows: Vec<StudentRow>,
    pub(super) matches: Matches,
    pub(super) page: i64,
    pub(super) pages: i64,
}

impl StudentListPage {
    fn page_url(&self, page: i64) -> String {
        format!(
            "/admin/students?q={}&school={}&class_id={}&status={}&page={page}",
            crate::web::urlencode(&self.q),
            self.picked
                .as_ref()
                .map(|(id, _)| id.to_string())
                .unwrap_or_default(),
            crate::web::urlencode(&self.class_id),
            crate::web::urlencode(&self.status)
        )
    }

    fn class_selected(&self, id: &i64) -> bool {
        self.class_id == id.to_string()
    }

    fn school_selected(&self, id: &i64) -> bool {
        self.picked.as_ref().is_some_and(|(p, _)| p == id)
    }
}

pub async fn list_students(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let user_scope = SchoolScope::of(&user);
    // An admin may narrow the list to one school; its classes are then offered as a filter
    // (a district's 2,000 classes in one select would be most of the page).
    let scope = user_scope
        .narrowed(Some(&query.school))
        .ok_or(AppError::NotFound)?;
    let q: String = query.q.trim().chars().take(100).collect();
    let status = match query.status.as_str() {
        "active" | "withdrawn" => query.status.clone(),
        _ => String::new(),
    };
    let filter = StudentFilter {
        search: (!q.is_empty()).then(|| q.clone()),
        class_id: query.class_id.parse().ok(),
        status: (!status.is_empty()).then(|| status.clone()),
        page: query.page.unwrap_or(1).clamp(1, 100_000) - 1,
    };
    let (day, page_index) = (today(&state), filter.page);
    let ((rows, matches), picked, schools, classes) = db::run(&state.pool, move |conn| {
        let picked = crate::models::schools::picked_school(conn, user_scope, scope)?;
        let classes = match scope {
            SchoolScope::District => Vec::new(),
            _ => queries::list_current_classes(conn, scope, day)?,
        };
        Ok((
            queries::list_students(conn, scope, day, &filter)?,
            picked,
            crate::models::schools::list_schools(conn, user_scope)?,
            classes,
        ))
    })
    .await?;
    render(&StudentListPage {
        layout: Layout::new(&req, &state, "Students"),
        q,
        class_id: query.class_id,
        status,
        schools,
        picked,
        classes,
        rows,
        matches,
        page: page_index + 1,
        pages: matches.pages(PAGE_SIZE),
    })
}
