//! `/admin/attendance`: a school's board of registers, its chronically absent students and the
//! parents' reasons waiting; or the district school by school.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::rates::{
    count_flags_by_school, list_flagged_from_summary, list_flagged_rates, SchoolFlags, StudentRate,
};
use super::reasons::{list_pending_reasons, PendingReason};
use super::{find_defaults, resolve_range, school_of, scope_of, RangeQuery};
use crate::db;
use crate::domain::attendance::chronic;
use crate::error::AppError;
use crate::models::board::{find_board, BoardRow, BoardTotals, Boards};
use crate::models::schools::{list_schools, picked_school, SchoolScope};
use crate::web::layout::Layout;
use crate::web::{CurrentUser, Hx};
use crate::AppState;

/// One school's line on the district's board of registers.
pub struct SchoolBoard {
    pub id: i64,
    pub name: String,
    pub totals: BoardTotals,
}

/// What the page shows: one school's registers and students, or the district school by school.
enum View {
    School {
        board: Arc<Vec<BoardRow>>,
        chronic: Vec<StudentRate>,
        streaks: Vec<StudentRate>,
        reasons: Vec<PendingReason>,
    },
    District {
        boards: Vec<SchoolBoard>,
        flags: Vec<SchoolFlags>,
    },
}

/// A school's thresholds for chronic absence (`schools.risk_attendance_below`, a percent, and
/// `schools.risk_absence_streak`).
#[derive(Clone, Copy)]
struct Thresholds {
    below_percent: f64,
    streak_days: i64,
}

#[derive(Template)]
#[template(path = "attendance/office.html", blocks = ["board"])]
struct OfficePage {
    layout: Layout,
    date: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    error: Option<String>,
    /// The school an admin picked: its id and name.
    picked: Option<(i64, String)>,
    view: View,
    /// When the term-to-date figures come from the summaries: how old they are.
    summary_note: Option<String>,
    /// The school's thresholds, for the headings of its lists.
    thresholds: Thresholds,
}

impl OfficePage {
    /// `&school=…` for links that keep an admin's choice of school.
    fn school_param(&self) -> String {
        self.picked
            .as_ref()
            .map(|(id, _)| format!("&school={id}"))
            .unwrap_or_default()
    }

    /// The streak threshold as the heading says it ("three").
    fn streak_words(&self) -> String {
        const WORDS: [&str; 11] = [
            "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        ];
        usize::try_from(self.thresholds.streak_days)
            .ok()
            .and_then(|n| WORDS.get(n))
            .map_or_else(
                || self.thresholds.streak_days.to_string(),
                |w| w.to_string(),
            )
    }
}

pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    boards: web::Data<Boards>,
    user: CurrentUser,
    query: crate::web::Query<RangeQuery>,
    hx: Hx,
) -> Result<HttpResponse, AppError> {
    let asked = query.into_inner();
    let (user_scope, scope) = (SchoolScope::of(&user), scope_of(&user, &asked)?);
    // The board refreshes itself every minute: that request needs the board alone.
    let fragment = hx.wants_fragment();
    let now = state.clock.now();
    let (boards, changes) = (boards.into_inner(), state.registers_changed.now());
    // One trip to the pool: the dates, then everything counted over them.
    let (r, picked, view, summary, thresholds) = db::run(&state.pool, move |conn| {
        let picked = picked_school(conn, user_scope, scope)?;
        let defaults = find_defaults(conn, scope, now)?;
        let thresholds = Thresholds {
            below_percent: defaults.below_percent,
            streak_days: defaults.streak_days,
        };
        let r = resolve_range(&defaults, &asked);
        let (date, from, to) = (r.date, r.from, r.to);
        // The term to date comes from the insight summaries once they exist (a whole term of a
        // school's marks is too much to count on every visit); other ranges are counted live.
        let summary = match (fragment, r.default) {
            (false, true) => crate::models::insight::find_last_refresh(conn)?,
            _ => None,
        };
        let view = if scope == SchoolScope::District {
            // The district school by school: each school's own board (the one its principal
            // and the dashboards read) added up, and its flagged students counted in SQL.
            let mut lines = Vec::new();
            let flags = match fragment {
                true => Vec::new(),
                false => count_flags_by_school(conn, from, to, summary.is_some())?,
            };
            for (id, name) in list_schools(conn, scope)? {
                let board = find_board(conn, (&boards, changes), id, date, now)?;
                let totals = BoardTotals::of(&board);
                lines.push(SchoolBoard { id, name, totals });
            }
            View::District {
                boards: lines,
                flags,
            }
        } else {
            let school = school_of(scope);
            let board = find_board(conn, (&boards, changes), school, date, now)?;
            let (rates, reasons) = match (fragment, summary) {
                (true, _) => (Vec::new(), Vec::new()),
                (false, Some(_)) => (
                    list_flagged_from_summary(conn, school)?,
                    list_pending_reasons(conn, school)?,
                ),
                (false, None) => (
                    list_flagged_rates(conn, school, from, to)?,
                    list_pending_reasons(conn, school)?,
                ),
            };
            let (chronic, streaks) = split_flagged(rates, thresholds);
            View::School {
                board,
                chronic,
                streaks,
                reasons,
            }
        };
        Ok((r, picked, view, summary, thresholds))
    })
    .await?;
    let page = OfficePage {
        layout: Layout::new(&req, &state, "Attendance"),
        date: r.date,
        from: r.from,
        to: r.to,
        error: r.error,
        picked,
        view,
        summary_note: summary
            .map(|at| crate::web::summary_age::age_note(Some(at), state.clock.now())),
        thresholds,
    };
    crate::web::htmx::page_or_block(hx, StatusCode::OK, &page, |p| p.as_board().render())
}

/// The flagged students split by the two halves of the school's rule: a rate below its
/// threshold (no streak counted), and an ongoing streak of its length (no rate counted).
fn split_flagged(rates: Vec<StudentRate>, t: Thresholds) -> (Vec<StudentRate>, Vec<StudentRate>) {
    let chronic_rate = |s: &StudentRate| chronic(s.rate, 0, t.below_percent, t.streak_days);
    let on_streak = |s: &StudentRate| chronic(None, s.streak, t.below_percent, t.streak_days);
    let low = rates.iter().filter(|s| chronic_rate(s)).cloned().collect();
    let streaks = rates.into_iter().filter(on_streak).collect();
    (low, streaks)
}
