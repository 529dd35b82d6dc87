//! `/admin/attendance`: the office's view of attendance. Today's "not yet taken" board
//! (refreshing itself), the day's summary by class, rates over any range with the chronically
//! absent and those on an absence streak, parents' reasons to accept or decline, and a CSV export.
//! Admins see every school; principals their own.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text, Timestamptz};
use serde::Deserialize;

use crate::attendance::register::{self, MarkInput, SaveOutcome, Saver};
use crate::db;
use crate::domain::attendance::{format_rate, Tally};
use crate::error::AppError;
use crate::models::schools::list_schools;
use crate::models::schools::{picked_school, SchoolScope};
use crate::web::layout::{flash, see_other, Layout};
use crate::web::{CurrentUser, Hx};
use crate::AppState;

/// Below this rate a student is chronically absent (DESIGN.md §4). The summaries'
/// `attendance_flag` column (migration 000022) states the same rule; a test checks they agree.
pub const CHRONIC_BELOW: f64 = 0.9;
/// This many absent school days in a row, up to the end of the range, make a streak.
pub const STREAK_DAYS: i64 = 3;

pub fn routes(cfg: &mut web::ServiceConfig) {
    crate::attendance::codes::routes(cfg);
    cfg.route("/attendance", web::get().to(overview))
        .route("/attendance/export.csv", web::get().to(export))
        .route(
            "/attendance/reasons/{reason_id}/accept",
            web::post().to(accept_reason),
        )
        .route(
            "/attendance/reasons/{reason_id}/decline",
            web::post().to(decline_reason),
        );
}

/// The boards counted lately, by scope (a school, or the district) and day.
pub struct Boards {
    memo: crate::memo::Memo<(Option<i64>, NaiveDate), Vec<BoardRow>>,
    /// The `registers_changed` count the memo's boards were counted after.
    seen: std::sync::atomic::AtomicU64,
}

impl Boards {
    /// The memo, emptied first if registers changed since it was last used.
    fn memo(&self, changes: u64) -> &crate::memo::Memo<(Option<i64>, NaiveDate), Vec<BoardRow>> {
        use std::sync::atomic::Ordering;
        if self.seen.swap(changes, Ordering::AcqRel) != changes {
            self.memo.clear();
        }
        &self.memo
    }
}

/// How long a counted board is served before it is counted again. A board counts every class's
/// enrolments and marks for the day (about 9 ms of SQL for a school of 200 classes); counted on
/// every visit, 50 people watching would saturate two cores. The page refreshes itself every
/// 60 s, and marks saved or a roster changed through this server clear the boards at once.
pub const BOARD_FRESH_SECS: i64 = 10;

pub fn boards() -> Boards {
    Boards {
        memo: crate::memo::Memo::new(chrono::Duration::seconds(BOARD_FRESH_SECS)),
        seen: std::sync::atomic::AtomicU64::new(0),
    }
}

/// The board of `scope` on `date`, counted lately or now (the office page, the dashboards' live
/// figures), `changes` the `registers_changed` count read before. Call only for a scope the
/// user may see.
pub fn board_of(
    conn: &mut PgConnection,
    (boards, changes): (&Boards, u64),
    scope: SchoolScope,
    date: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<std::sync::Arc<Vec<BoardRow>>> {
    boards
        .memo(changes)
        .get_or_count(&(scope.filter(), date), now, || board(conn, scope, date))
}

#[derive(Debug, QueryableByName)]
pub struct BoardRow {
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
    #[diesel(sql_type = BigInt)]
    pub present: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
    #[diesel(sql_type = BigInt)]
    pub excused: i64,
}

impl BoardRow {
    pub fn marked(&self) -> i64 {
        self.present + self.late + self.absent + self.excused
    }

    pub fn state(&self) -> &'static str {
        match self.marked() {
            0 => "not-taken",
            m if m < self.enrolled => "partly",
            _ => "taken",
        }
    }
}

/// A board added up: how many registers are expected, begun and complete, and the marks by
/// category (a school's line on the district's board, a dashboard's live figures).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BoardTotals {
    pub expected: i64,
    /// Registers with at least one mark.
    pub started: i64,
    /// Registers with a mark for every enrolled student.
    pub complete: i64,
    pub present: i64,
    pub late: i64,
    pub absent: i64,
    pub excused: i64,
}

impl BoardTotals {
    pub fn of(board: &[BoardRow]) -> Self {
        board.iter().fold(Self::default(), |t, b| Self {
            expected: t.expected + 1,
            started: t.started + i64::from(b.state() != "not-taken"),
            complete: t.complete + i64::from(b.state() == "taken"),
            present: t.present + b.present,
            late: t.late + b.late,
            absent: t.absent + b.absent,
            excused: t.excused + b.excused,
        })
    }

    pub fn not_taken(&self) -> i64 {
        self.expected - self.started
    }

    pub fn partly(&self) -> i64 {
        self.started - self.complete
    }
}

/// Every class in scope with a register on `date` (school days only), with its counts.
fn board(
    conn: &mut PgConnection,
    scope: SchoolScope,
    date: NaiveDate,
) -> QueryResult<Vec<BoardRow>> {
    // Prepared once per connection; a school's statement differs from the district's.
    let scope_sql = crate::db::optional_eq("school", "c.school_id", scope.filter().is_some());
    crate::db::cached(
        &[("school", "bigint"), ("day", "date")],
        format!(
        // The classes in scope first, then the day's marks counted per class and code before
        // the codes are read: joined mark by mark, a generic plan looked up the academic year
        // and the code once for each of a school's 5,000 marks (about twice the time).
        "WITH cls AS MATERIALIZED (
             SELECT c.id, c.name, c.school_id, c.grade_level
               FROM classes c
               JOIN schools s ON s.id = c.school_id
               JOIN academic_years y ON y.id = c.academic_year_id AND (SELECT p.day FROM p) BETWEEN y.starts_on AND y.ends_on
              WHERE {scope_sql}
                AND NOT (EXTRACT(ISODOW FROM (SELECT p.day FROM p)::date)::smallint = ANY (s.weekend_days))
                AND NOT EXISTS (SELECT 1 FROM non_school_days n WHERE n.school_id = s.id AND (SELECT p.day FROM p) BETWEEN n.starts_on AND n.ends_on)),
         marks AS (
             SELECT a.class_id, ac.category, sum(a.n) AS n
               FROM (SELECT a.class_id, a.code_id, count(*) AS n FROM attendance a
                      WHERE a.class_id IN (SELECT cls.id FROM cls) AND a.date = (SELECT p.day FROM p)
                      GROUP BY 1, 2) a
               JOIN attendance_codes ac ON ac.id = a.code_id
              GROUP BY 1, 2)
         SELECT c.id AS class_id, c.name AS class_name,
                (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
                  WHERE e.class_id = c.id AND st.status = 'active' AND e.starts_on <= (SELECT p.day FROM p)
                    AND (e.ends_on IS NULL OR e.ends_on >= (SELECT p.day FROM p))) AS enrolled,
                COALESCE(sum(m.n) FILTER (WHERE m.category = 'present'), 0)::bigint AS present,
                COALESCE(sum(m.n) FILTER (WHERE m.category = 'late'), 0)::bigint AS late,
                COALESCE(sum(m.n) FILTER (WHERE m.category = 'absent'), 0)::bigint AS absent,
                COALESCE(sum(m.n) FILTER (WHERE m.category = 'excused'), 0)::bigint AS excused
           FROM cls c LEFT JOIN marks m ON m.class_id = c.id
          GROUP BY c.id, c.name, c.school_id, c.grade_level
          ORDER BY c.school_id, c.grade_level, c.name"
    ))
    .bind::<Nullable<BigInt>, _>(scope.filter())
    .bind::<Date, _>(date)
    .load(conn)
}

/// A student's marks over a range, counted in SQL.
#[derive(Debug, Clone, QueryableByName)]
pub struct StudentRate {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub student_number: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub class_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub present: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
    #[diesel(sql_type = BigInt)]
    pub excused: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub rate: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub streak: i64,
}

impl StudentRate {
    pub fn tally(&self) -> Tally {
        Tally {
            present: self.present,
            late: self.late,
            absent: self.absent,
            excused: self.excused,
        }
    }

    pub fn rate_text(&self) -> String {
        format_rate(self.tally().rate())
    }
}

/// The term-to-date flagged students from the insight summaries (same definitions).
fn flagged_from_summary(
    conn: &mut PgConnection,
    scope: SchoolScope,
    today: NaiveDate,
) -> QueryResult<Vec<StudentRate>> {
    // Names, numbers and classes as of the refresh, like the at-risk list; the condition is the
    // predicate of a partial index, and a school's statement differs from the district's so
    // each plan keeps it.
    let scope_sql = crate::db::optional_eq("school", "i.school_id", scope.filter().is_some());
    crate::db::cached(
        &[("school", "bigint"), ("today", "date")],
        format!(
            "SELECT i.student_id, i.student_number, i.name, i.class_name,
                    (SELECT sc.name FROM schools sc WHERE sc.id = i.school_id) AS school_name,
                    i.present::bigint AS present, i.late::bigint AS late, i.absent::bigint AS absent, i.excused::bigint AS excused,
                    i.attendance_rate / 100 AS rate, i.absence_streak::bigint AS streak
               FROM student_insight i
              WHERE {scope_sql} AND (SELECT p.today FROM p) IS NOT NULL
                AND i.attendance_flag
              ORDER BY i.name, i.student_id"
        ),
    )
    .bind::<Nullable<BigInt>, _>(scope.filter())
    .bind::<Date, _>(today)
    .load(conn)
}

/// Which students' rates: everyone in scope (the export), or only the chronically absent and
/// those on a streak (the page): the filter runs in SQL, so only those rows leave the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rates {
    Everyone,
    Flagged,
}

/// Every active student in scope (or only the flagged ones) with their counts, unrounded rate
/// and current absence streak over [from, to]; all computed in SQL. A school's query reads only
/// that school's marks (the `(school_id, date)` index).
pub fn student_rates(
    conn: &mut PgConnection,
    scope: SchoolScope,
    from: NaiveDate,
    to: NaiveDate,
    which: Rates,
) -> QueryResult<Vec<StudentRate>> {
    diesel::sql_query(student_rates_sql(scope.filter().is_some(), which))
        .bind::<Nullable<BigInt>, _>(scope.filter())
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .load(conn)
}

/// The SQL of [`student_rates`] (parameters: school or NULL, from, to), one school's or the
/// district's; each row also carries the student's `school_id` and school name.
fn student_rates_sql(one_school: bool, which: Rates) -> String {
    let (school_marks, school_students) = if one_school {
        ("AND a.school_id = $1", "AND st.school_id = $1")
    } else {
        ("AND $1::bigint IS NULL", "")
    };
    let flagged = match which {
        Rates::Everyone => String::new(),
        Rates::Flagged => format!(
            "AND ((c.present + c.late)::float8 / NULLIF(c.present + c.late + c.absent, 0) < {CHRONIC_BELOW} OR COALESCE(s.streak, 0) >= {STREAK_DAYS})"
        ),
    };
    format!(
        "WITH marks AS (
             SELECT a.student_id, a.date, ac.category
               FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
              WHERE a.date BETWEEN $2 AND $3 {school_marks}),
         days AS (
             -- One category per student and day (the worst, if several classes took a register).
             SELECT student_id, date, bool_and(category = 'absent') AS absent
               FROM marks GROUP BY student_id, date),
         streaks AS (
             SELECT student_id, count(*) AS streak FROM (
                 SELECT student_id, absent,
                        sum(CASE WHEN absent THEN 0 ELSE 1 END) OVER (PARTITION BY student_id ORDER BY date DESC) AS breaks
                   FROM days) d
              WHERE breaks = 0 GROUP BY student_id),
         counts AS (
             SELECT student_id,
                    count(*) FILTER (WHERE category = 'present') AS present,
                    count(*) FILTER (WHERE category = 'late') AS late,
                    count(*) FILTER (WHERE category = 'absent') AS absent,
                    count(*) FILTER (WHERE category = 'excused') AS excused
               FROM marks GROUP BY student_id)
         SELECT st.id AS student_id, st.school_id, st.student_number,
                st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS name,
                sc.name AS school_name, cur.name AS class_name,
                COALESCE(c.present, 0) AS present, COALESCE(c.late, 0) AS late,
                COALESCE(c.absent, 0) AS absent, COALESCE(c.excused, 0) AS excused,
                (c.present + c.late)::float8 / NULLIF(c.present + c.late + c.absent, 0) AS rate,
                COALESCE(s.streak, 0) AS streak
           FROM students st
           JOIN schools sc ON sc.id = st.school_id
           LEFT JOIN counts c ON c.student_id = st.id
           LEFT JOIN streaks s ON s.student_id = st.id
           LEFT JOIN LATERAL (SELECT cl.name FROM enrolments e JOIN classes cl ON cl.id = e.class_id
                               WHERE e.student_id = st.id AND e.starts_on <= $3 AND (e.ends_on IS NULL OR e.ends_on >= $3)
                               ORDER BY e.starts_on DESC LIMIT 1) cur ON TRUE
          WHERE st.status = 'active' {school_students} {flagged}
          ORDER BY st.family_name, st.given_name, st.id"
    )
}

/// One school's line of the district's attendance: how many of its students are chronically
/// absent or on a streak, and how many parents' reasons wait for its office.
#[derive(Debug, QueryableByName)]
pub struct SchoolFlags {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub chronic: i64,
    #[diesel(sql_type = BigInt)]
    pub streaks: i64,
    #[diesel(sql_type = BigInt)]
    pub reasons: i64,
}

/// Every school's [`SchoolFlags`], counted in SQL: the term to date from the insight summaries
/// (`from_summary`), or any other range live from the marks.
fn flags_by_school(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
    from_summary: bool,
) -> QueryResult<Vec<SchoolFlags>> {
    // The summary's flag (the page's condition, kept as a column by a migration) is the
    // predicate of a partial index. Prepared once per connection (planning it took longer than
    // running it).
    let flagged = if from_summary {
        "SELECT i.school_id, i.attendance_rate / 100 AS rate, i.absence_streak AS streak
           FROM student_insight i
          WHERE i.attendance_flag"
            .to_string()
    } else {
        student_rates_sql(false, Rates::Flagged)
    };
    crate::db::cached(
        &[("school", "bigint"), ("from", "date"), ("to", "date")],
        format!(
        "WITH f AS ({flagged})
         SELECT s.id, s.name,
                count(f.school_id) FILTER (WHERE f.rate < {CHRONIC_BELOW}) AS chronic,
                count(f.school_id) FILTER (WHERE f.streak >= {STREAK_DAYS}) AS streaks,
                (SELECT count(*) FROM absence_reasons r WHERE r.school_id = s.id AND r.status = 'pending') AS reasons
           FROM schools s LEFT JOIN f ON f.school_id = s.id
          GROUP BY s.id
          ORDER BY s.name, s.id"
        ),
    )
    .bind::<Nullable<BigInt>, _>(None::<i64>)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct PendingReason {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub student: String,
    #[diesel(sql_type = Text)]
    pub parent: String,
    #[diesel(sql_type = Date)]
    pub date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub reason: String,
    #[diesel(sql_type = Text)]
    pub mark: String,
}

fn pending_reasons(conn: &mut PgConnection, scope: SchoolScope) -> QueryResult<Vec<PendingReason>> {
    // Prepared once per connection; a school's statement differs from the district's.
    let scope_sql = crate::db::optional_eq("school", "r.school_id", scope.filter().is_some());
    crate::db::cached(
        &[("school", "bigint")],
        format!(
            "SELECT r.id, st.given_name || ' ' || st.family_name AS student, u.display_name AS parent, a.date, r.reason, ac.label AS mark
               FROM absence_reasons r
               JOIN attendance a ON a.id = r.attendance_id
               JOIN attendance_codes ac ON ac.id = a.code_id
               JOIN students st ON st.id = r.student_id
               JOIN users u ON u.id = r.parent_id
              WHERE r.status = 'pending' AND {scope_sql}
              ORDER BY r.created_at"
        ),
    )
    .bind::<Nullable<BigInt>, _>(scope.filter())
    .load(conn)
}

/// The office's "today" (the first school in scope's local date) and the current term's start.
#[derive(QueryableByName)]
struct Defaults {
    #[diesel(sql_type = Date)]
    today: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    term_start: Option<NaiveDate>,
}

fn defaults(
    conn: &mut PgConnection,
    scope: SchoolScope,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<Defaults> {
    crate::db::cached(
        &[("school", "bigint"), ("now", "timestamptz")],
        "SELECT t.today,
                (SELECT min(te.starts_on) FROM terms te
                  WHERE ((SELECT p.school FROM p) IS NULL OR te.school_id = (SELECT p.school FROM p))
                   AND t.today BETWEEN te.starts_on AND te.ends_on) AS term_start
           FROM (SELECT ((SELECT p.now FROM p) AT TIME ZONE s.timezone)::date AS today FROM schools s
                  WHERE ((SELECT p.school FROM p) IS NULL OR s.id = (SELECT p.school FROM p)) ORDER BY s.id LIMIT 1) t",
    )
    .bind::<Nullable<BigInt>, _>(scope.filter())
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
}

#[derive(Debug, Deserialize, Default)]
pub struct RangeQuery {
    date: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// An admin's choice of one school (principals always see their own).
    school: Option<String>,
}

/// Whose attendance a page shows: a principal's school; for an admin, the school they picked
/// (`?school=`, 404 if it is not a number) or else the whole district.
fn scope_of(user: &CurrentUser, q: &RangeQuery) -> Result<SchoolScope, AppError> {
    SchoolScope::of(user)
        .narrowed(q.school.as_deref())
        .ok_or(AppError::NotFound)
}

struct Range {
    date: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    error: Option<String>,
    /// The term to date, as nobody chose other dates.
    default: bool,
}

/// The dates asked for, or the defaults (today; the term to date).
fn resolve_range(d: Defaults, q: &RangeQuery) -> Range {
    let parse = |raw: &Option<String>| {
        raw.as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| crate::domain::dates::parse_day(s).map_err(|e| e.to_string()))
    };
    let mut error = None;
    let mut pick = |raw: &Option<String>, default: NaiveDate| match parse(raw) {
        None => default,
        Some(Ok(d)) => d,
        Some(Err(bad)) => {
            error = Some(bad);
            default
        }
    };
    let date = pick(&q.date, d.today);
    let from = pick(&q.from, d.term_start.unwrap_or(d.today));
    let to = pick(&q.to, d.today);
    if from > to {
        return Range {
            date,
            from: to,
            to: from,
            error: Some("The range was back to front; it is shown the right way round.".into()),
            default: false,
        };
    }
    Range {
        default: d.term_start == Some(from) && to == d.today,
        date,
        from,
        to,
        error,
    }
}

/// One school's line on the district's board of registers.
pub struct SchoolBoard {
    pub id: i64,
    pub name: String,
    pub totals: BoardTotals,
}

/// What the page shows: one school's registers and students, or the district school by school.
enum View {
    School {
        board: std::sync::Arc<Vec<BoardRow>>,
        chronic: Vec<StudentRate>,
        streaks: Vec<StudentRate>,
        reasons: Vec<PendingReason>,
    },
    District {
        boards: Vec<SchoolBoard>,
        flags: Vec<SchoolFlags>,
    },
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
}

impl OfficePage {
    /// `&school=…` for links that keep an admin's choice of school.
    fn school_param(&self) -> String {
        self.picked
            .as_ref()
            .map(|(id, _)| format!("&school={id}"))
            .unwrap_or_default()
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
    let (r, picked, view, summary) = db::run(&state.pool, move |conn| {
        let picked = picked_school(conn, user_scope, scope)?;
        let r = resolve_range(defaults(conn, scope, now)?, &asked);
        let (date, from, to) = (r.date, r.from, r.to);
        // The term to date comes from the insight summaries once they exist (a whole term of a
        // school's marks is too much to count on every visit); other ranges are counted live.
        let summary = match (fragment, r.default) {
            (false, true) => crate::dashboard::refresh::last_refresh(conn)?,
            _ => None,
        };
        let view = if scope == SchoolScope::District {
            // The district school by school: each school's own board (the one its principal
            // and the dashboards read) added up, and its flagged students counted in SQL.
            let mut lines = Vec::new();
            let flags = match fragment {
                true => Vec::new(),
                false => flags_by_school(conn, from, to, summary.is_some())?,
            };
            for (id, name) in list_schools(conn, scope)? {
                let board = board_of(conn, (&boards, changes), SchoolScope::School(id), date, now)?;
                let totals = BoardTotals::of(&board);
                lines.push(SchoolBoard { id, name, totals });
            }
            View::District {
                boards: lines,
                flags,
            }
        } else {
            let board = board_of(conn, (&boards, changes), scope, date, now)?;
            let (rates, reasons) = match (fragment, summary) {
                (true, _) => (Vec::new(), Vec::new()),
                (false, Some(_)) => (
                    flagged_from_summary(conn, scope, to)?,
                    pending_reasons(conn, scope)?,
                ),
                (false, None) => (
                    student_rates(conn, scope, from, to, Rates::Flagged)?,
                    pending_reasons(conn, scope)?,
                ),
            };
            let (chronic, streaks) = split_flagged(rates);
            View::School {
                board,
                chronic,
                streaks,
                reasons,
            }
        };
        Ok((r, picked, view, summary))
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
            .map(|at| crate::dashboard::handlers::age_note(Some(at), state.clock.now())),
    };
    crate::web::htmx::page_or_block(hx, StatusCode::OK, &page, |p| p.as_board().render())
}

/// The flagged students split: below the chronic rate, and on an ongoing streak.
fn split_flagged(rates: Vec<StudentRate>) -> (Vec<StudentRate>, Vec<StudentRate>) {
    let chronic = rates
        .iter()
        .filter(|s| s.rate.is_some_and(|r| r < CHRONIC_BELOW))
        .cloned()
        .collect();
    let streaks = rates
        .into_iter()
        .filter(|s| s.streak >= STREAK_DAYS)
        .collect();
    (chronic, streaks)
}

/// Every student's counts and rate over the range, as CSV.
pub async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: crate::web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let asked = query.into_inner();
    // A file is no place for "the dates were changed": a date that cannot be kept is refused.
    for raw in [&asked.date, &asked.from, &asked.to].into_iter().flatten() {
        if !raw.is_empty() {
            crate::domain::dates::parse_day(raw).map_err(|e| AppError::Invalid(e.to_string()))?;
        }
    }
    let (user_scope, scope) = (SchoolScope::of(&user), scope_of(&user, &asked)?);
    let now = state.clock.now();
    let (from, to, rates) = db::run(&state.pool, move |conn| {
        // An admin's export of a school that does not exist is a 404, as its page is.
        picked_school(conn, user_scope, scope)?;
        let r = resolve_range(defaults(conn, scope, now)?, &asked);
        let rates = student_rates(conn, scope, r.from, r.to, Rates::Everyone)?;
        Ok((r.from, r.to, rates))
    })
    .await?;
    let body = crate::web::csv::to_csv(
        &[
            "student_number",
            "name",
            "school",
            "class",
            "present",
            "late",
            "absent",
            "excused",
            "attendance_rate_percent",
            "absence_streak_days",
        ],
        rates.iter().map(|s| {
            vec![
                s.student_number.clone(),
                s.name.clone(),
                s.school_name.clone(),
                s.class_name.clone().unwrap_or_default(),
                s.present.to_string(),
                s.late.to_string(),
                s.absent.to_string(),
                s.excused.to_string(),
                s.rate
                    .map(|r| format!("{:.1}", r * 100.0))
                    .unwrap_or_default(),
                s.streak.to_string(),
            ]
        }),
    );
    Ok(crate::web::csv::csv_response(
        &format!("attendance-{from}-to-{to}.csv"),
        body,
    ))
}

#[derive(QueryableByName)]
struct ReasonTarget {
    #[diesel(sql_type = BigInt)]
    school_id: i64,
    #[diesel(sql_type = BigInt)]
    class_id: i64,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    student_id: i64,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    note: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    excused_code: Option<i64>,
}

/// Accepts a parent's reason: the mark becomes Excused, recorded as an office change.
pub async fn accept_reason(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let scope = SchoolScope::of(&user);
    let saver = Saver {
        user_id: user.id,
        office: true,
        at: state.clock.now(),
        public_url: state.settings.public_url.clone(),
    };
    let accepted = db::run(&state.pool, move |conn| {
        // (the emails the save queued, or None without an Excused code; the school)
        Ok(conn.transaction(|conn| -> QueryResult<(Option<usize>, i64)> {
            let t: ReasonTarget = diesel::sql_query(
                "SELECT a.school_id, a.class_id, a.date, a.student_id, a.version, a.note,
                        (SELECT ac.id FROM attendance_codes ac WHERE ac.school_id = a.school_id AND ac.category = 'excused'
                          ORDER BY ac.position LIMIT 1) AS excused_code
                   FROM absence_reasons r JOIN attendance a ON a.id = r.attendance_id
                  WHERE r.id = $1 AND r.status = 'pending' AND ($2::bigint IS NULL OR r.school_id = $2)
                  FOR UPDATE OF r",
            )
            .bind::<BigInt, _>(id)
            .bind::<Nullable<BigInt>, _>(scope.filter())
            .get_result(conn)?;
            let Some(excused) = t.excused_code else { return Ok((None, t.school_id)) };
            let day = register::find_register_day(conn, t.class_id, t.date, saver.at, None, scope.filter())?;
            let mark = MarkInput { student_id: t.student_id, code_id: excused, version: t.version, late_minutes: None, note: t.note };
            let emailed = match register::save_marks(conn, &day, t.date, &[mark], &saver)? {
                SaveOutcome::Saved { emailed, .. } => emailed,
                SaveOutcome::Conflicts(_) => return Err(diesel::result::Error::RollbackTransaction),
            };
            diesel::sql_query("UPDATE absence_reasons SET status = 'accepted', decided_by = $2, decided_at = $3 WHERE id = $1")
                .bind::<BigInt, _>(id)
                .bind::<BigInt, _>(saver.user_id)
                .bind::<Timestamptz, _>(saver.at)
                .execute(conn)?;
            Ok((Some(emailed), t.school_id))
        }))
    })
    .await?;
    let back = match &accepted {
        Ok((_, school)) => SchoolScope::of(&user).list_url("/admin/attendance", *school),
        Err(_) => "/admin/attendance".to_string(),
    };
    match accepted.map(|(done, _)| done) {
        Ok(Some(emailed)) => {
            crate::attendance::registers::marks_saved(&state, emailed);
            flash(&session, "Accepted: the absence is now excused.")
        }
        Ok(None) => flash(
            &session,
            "This school has no Excused code to record it with.",
        ),
        Err(diesel::result::Error::RollbackTransaction) => flash(
            &session,
            "The mark was changed meanwhile; look at the register and try again.",
        ),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&back))
}

#[derive(QueryableByName)]
struct DecidedIn {
    #[diesel(sql_type = BigInt)]
    school_id: i64,
}

#[derive(Debug, Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    response: String,
}

/// Declines a parent's reason with a message they will see.
pub async fn decline_reason(
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    path: web::Path<(i64,)>,
    form: crate::web::Form<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner().0;
    let response: String = form.response.trim().chars().take(1000).collect();
    let (scope, at, by) = (SchoolScope::of(&user), state.clock.now(), user.id);
    let school: Option<i64> = db::run(&state.pool, move |conn| {
        Ok(diesel::sql_query(
            "UPDATE absence_reasons SET status = 'declined', response = $3, decided_by = $4, decided_at = $5
              WHERE id = $1 AND status = 'pending' AND ($2::bigint IS NULL OR school_id = $2)
              RETURNING school_id",
        )
        .bind::<BigInt, _>(id)
        .bind::<Nullable<BigInt>, _>(scope.filter())
        .bind::<Text, _>(&response)
        .bind::<BigInt, _>(by)
        .bind::<Timestamptz, _>(at)
        .get_result::<DecidedIn>(conn)
        .optional()?
        .map(|d| d.school_id))
    })
    .await?;
    let Some(school) = school else {
        return Err(AppError::NotFound);
    };
    flash(&session, "Declined. The parent will see your message.");
    Ok(see_other(
        &SchoolScope::of(&user).list_url("/admin/attendance", school),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(enrolled: i64, present: i64, absent: i64) -> BoardRow {
        BoardRow {
            class_id: 1,
            class_name: "7A".into(),
            enrolled,
            present,
            late: 1,
            absent,
            excused: 0,
        }
    }

    #[test]
    fn a_board_adds_up_to_registers_begun_complete_and_marks() {
        assert_eq!(BoardTotals::of(&[]), BoardTotals::default());
        let untaken = BoardRow {
            late: 0,
            ..row(30, 0, 0)
        };
        // Complete; partly (20 of 30); not taken; more marks than enrolled (a student marked,
        // then withdrawn) is complete.
        let t = BoardTotals::of(&[row(30, 27, 2), row(30, 18, 1), untaken, row(25, 25, 0)]);
        assert_eq!((t.expected, t.started, t.complete), (4, 3, 2));
        assert_eq!((t.not_taken(), t.partly()), (1, 1));
        assert_eq!((t.present, t.late, t.absent, t.excused), (70, 3, 3, 0));
    }
}
