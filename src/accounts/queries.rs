//! Account queries. Connection first; errors are returned, never swallowed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::domain::throttle::{self, RecentFailures};
use crate::schema::{login_events, schools, sessions, users};

/// What sign-in needs to know about an account.
#[derive(Debug, Queryable)]
pub struct LoginCandidate {
    pub id: i64,
    pub role: String,
    pub password_hash: Option<String>,
    pub active: bool,
    pub auth_version: i32,
}

pub fn find_login_candidate(
    conn: &mut PgConnection,
    email: &str,
) -> QueryResult<Option<LoginCandidate>> {
    users::table
        .filter(users::email.eq(email))
        .select((
            users::id,
            users::role,
            users::password_hash,
            users::active,
            users::auth_version,
        ))
        .first(conn)
        .optional()
}

/// The outcome of a sign-in attempt, as written to `login_events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Success,
    BadCredentials,
    Busy,
    Throttled,
    Unlocked,
    ResetRequested,
    ResetThrottled,
}

impl LoginOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::BadCredentials => "bad_credentials",
            LoginOutcome::Busy => "busy",
            LoginOutcome::Throttled => "throttled",
            LoginOutcome::Unlocked => "unlocked",
            LoginOutcome::ResetRequested => "reset_requested",
            LoginOutcome::ResetThrottled => "reset_throttled",
        }
    }
}

pub struct LoginAttempt<'a> {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub email: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub outcome: LoginOutcome,
    /// Set when this failure locks the account.
    pub lock_until: Option<DateTime<Utc>>,
}

/// Records an attempt and updates the account's counters, in one transaction.
pub fn record_login_attempt(conn: &mut PgConnection, a: &LoginAttempt) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::insert_into(login_events::table)
            .values((
                login_events::at.eq(a.at),
                login_events::user_id.eq(a.user_id),
                login_events::email.eq(a.email.chars().take(254).collect::<String>()),
                login_events::ip.eq(a.ip),
                login_events::user_agent.eq(a
                    .user_agent
                    .map(|s| s.chars().take(400).collect::<String>())),
                login_events::outcome.eq(a.outcome.as_str()),
            ))
            .execute(conn)?;
        if let Some(id) = a.user_id {
            match a.outcome {
                LoginOutcome::Success => {
                    diesel::update(users::table.find(id))
                        .set((
                            users::failed_logins.eq(0),
                            users::locked_until.eq(None::<DateTime<Utc>>),
                            users::last_login_at.eq(a.at),
                        ))
                        .execute(conn)?;
                }
                LoginOutcome::BadCredentials => {
                    diesel::update(users::table.find(id))
                        .set((
                            users::failed_logins.eq(users::failed_logins + 1),
                            users::locked_until.eq(a.lock_until),
                        ))
                        .execute(conn)?;
                }
                _ => {}
            }
        }
        Ok(())
    })
}

#[derive(QueryableByName)]
struct FailureCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    email_failures: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    last_email_failure: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    address_failures: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    oldest_address_failure: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    locked_until: Option<DateTime<Utc>>,
}

/// Recent failures for an email and a client address, as the throttling rules count them.
pub fn recent_failures(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<RecentFailures> {
    use diesel::sql_types::{Nullable, Text, Timestamptz};
    let window_start = now - throttle::WINDOW;
    let counts: FailureCounts = crate::db::statement(include_str!("sql/find_recent_failures.sql"))
        .bind::<Text, _>(email.to_string())
        .bind::<Nullable<Text>, _>(ip.map(str::to_string))
        .bind::<Timestamptz, _>(window_start)
        .get_result(conn)?;
    Ok(RecentFailures {
        email_failures: counts.email_failures,
        last_email_failure: counts.last_email_failure,
        address_failures: counts.address_failures,
        oldest_address_failure: counts.oldest_address_failure,
        locked_until: counts.locked_until,
    })
}

/// The account page's facts about a user.
#[derive(Debug, Queryable)]
pub struct AccountDetails {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub phone: Option<String>,
    pub school_name: Option<String>,
    pub password_hash: Option<String>,
}

pub fn find_account(conn: &mut PgConnection, user_id: i64) -> QueryResult<AccountDetails> {
    users::table
        .left_join(schools::table)
        .filter(users::id.eq(user_id))
        .select((
            users::display_name,
            users::email,
            users::role,
            users::phone,
            schools::name.nullable(),
            users::password_hash,
        ))
        .first(conn)
}

/// Sets a new password hash, raises `auth_version` (killing sessions signed in before) and ends
/// every other session of the user; the current session is carried over to the new version.
/// Returns the new auth version.
pub fn update_password(
    conn: &mut PgConnection,
    user_id: i64,
    new_hash: &str,
    keep_session_public_id: &str,
    at: DateTime<Utc>,
) -> QueryResult<i32> {
    conn.transaction(|conn| {
        let version: i32 = diesel::update(users::table.find(user_id))
            .set((
                users::password_hash.eq(new_hash),
                users::auth_version.eq(users::auth_version + 1),
                users::updated_at.eq(at),
            ))
            .returning(users::auth_version)
            .get_result(conn)?;
        diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::public_id.ne(keep_session_public_id)),
        )
        .execute(conn)?;
        diesel::update(sessions::table.filter(sessions::public_id.eq(keep_session_public_id)))
            .set(sessions::auth_version.eq(version))
            .execute(conn)?;
        crate::audit::insert_entry(
            conn,
            &crate::audit::NewAuditEntry {
                at,
                actor_id: Some(user_id),
                ip: None,
                school_id: None,
                action: "password_changed",
                entity: "user",
                entity_id: Some(user_id),
                before: None,
                after: None,
            },
        )?;
        Ok(version)
    })
}

/// One of a user's live sessions, for the sessions page.
#[derive(Debug, Queryable)]
pub struct ActiveSession {
    pub public_id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The user's sessions that are still usable at `now`, most recently used first.
pub fn list_active_sessions(
    conn: &mut PgConnection,
    user_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<Vec<ActiveSession>> {
    use crate::web::session_store::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::last_seen_at.gt(now - IDLE_TIMEOUT))
        .filter(sessions::created_at.gt(now - ABSOLUTE_TIMEOUT))
        .order((sessions::last_seen_at.desc(), sessions::created_at.desc()))
        .select((
            sessions::public_id,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::ip,
            sessions::user_agent,
        ))
        .load(conn)
}

/// Ends the user's sessions other than `keep`: one (`only`) or all. Returns how many ended.
pub fn delete_other_sessions(
    conn: &mut PgConnection,
    user_id: i64,
    keep: &str,
    only: Option<&str>,
) -> QueryResult<usize> {
    let mut query = diesel::delete(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::public_id.ne(keep))
        .into_boxed();
    if let Some(one) = only {
        query = query.filter(sessions::public_id.eq(one));
    }
    query.execute(conn)
}

/// A parent's children with whether absence emails are wanted for each.
pub fn list_notification_prefs(
    conn: &mut PgConnection,
    parent_id: i64,
) -> QueryResult<Vec<(i64, String, bool)>> {
    use crate::schema::{parent_students, students};
    parent_students::table
        .inner_join(students::table)
        .filter(parent_students::parent_id.eq(parent_id))
        .filter(parent_students::may_view.eq(true))
        .order((students::given_name, students::id))
        .select((
            students::id,
            students::given_name
                .concat(" ")
                .concat(students::family_name),
            parent_students::receives_notifications,
        ))
        .load(conn)
}

/// Sets which of the parent's children they receive absence emails about.
pub fn update_notification_prefs(
    conn: &mut PgConnection,
    parent_id: i64,
    wanted: &[i64],
) -> QueryResult<()> {
    use crate::schema::parent_students;
    conn.transaction(|conn| {
        diesel::update(parent_students::table.filter(parent_students::parent_id.eq(parent_id)))
            .set(
                parent_students::receives_notifications
                    .eq(parent_students::student_id.eq_any(wanted)),
            )
            .execute(conn)
            .map(|_| ())
    })
}

/// Changes the user's own phone number, with an audit row.
pub fn update_phone(
    conn: &mut PgConnection,
    user_id: i64,
    phone: Option<&str>,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        let before: Option<String> = users::table
            .find(user_id)
            .select(users::phone)
            .first(conn)?;
        diesel::update(users::table.find(user_id))
            .set((users::phone.eq(phone), users::updated_at.eq(at)))
            .execute(conn)?;
        crate::audit::insert_entry(
            conn,
            &crate::audit::NewAuditEntry {
                at,
                actor_id: Some(user_id),
                ip: None,
                school_id: None,
                action: "update_own_details",
                entity: "user",
                entity_id: Some(user_id),
                before: Some(serde_json::json!({ "phone": before })),
                after: Some(serde_json::json!({ "phone": phone })),
            },
        )
    })
}
