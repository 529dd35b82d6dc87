//! The register page and its rows, as askama templates.

use askama::Template;
use chrono::NaiveDate;

use super::{Code, Conflict, RegisterDay, RosterMark};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "attendance/register.html")]
pub(super) struct RegisterPage {
    pub(super) layout: Layout,
    pub(super) day: RegisterDay,
    pub(super) date: NaiveDate,
    pub(super) rows: Vec<RosterMark>,
    pub(super) codes: Vec<Code>,
    pub(super) base_url: String,
    pub(super) editable: bool,
    pub(super) closed: Option<String>,
    pub(super) read_only: Option<String>,
    pub(super) conflicts: Vec<Conflict>,
    pub(super) errors: Vec<String>,
    pub(super) office: bool,
    pub(super) back_url: String,
    /// Rows share their template with the htmx fragment, which can carry a notice.
    pub(super) notice: Option<String>,
}

impl RegisterPage {
    fn marked(&self) -> usize {
        self.rows.iter().filter(|r| r.code_id.is_some()).count()
    }

    fn code_label(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.codes.iter().find(|c| c.id == id))
            .map_or("—".into(), |c| c.label.clone())
    }

    fn day_url(&self, days: i64) -> String {
        let date = self.date + chrono::Duration::days(days);
        let base = self.base_url.rsplit_once('/').map_or("", |(b, _)| b);
        format!("{base}/{}", date.format("%Y-%m-%d"))
    }
}

/// One student's row of the register, as the page includes it: htmx's answer to a saved mark.
#[derive(Template)]
#[template(path = "attendance/register_row.html")]
pub(super) struct RegisterRow<'a> {
    pub(super) row: RosterMark,
    pub(super) codes: &'a [Code],
    pub(super) base_url: &'a str,
    pub(super) editable: bool,
    pub(super) notice: Option<String>,
}
