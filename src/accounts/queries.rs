//! Account queries. Connection first; errors are returned, never swallowed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

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
}

impl LoginOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::BadCredentials => "bad_credentials",
            LoginOutcome::Busy => "busy",
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
                login_events::user_agent.eq(a.user_agent.map(|s| s.chars().take(400).collect::<String>())),
                login_events::outcome.eq(a.outcome.as_str()),
            ))
            .execute(conn)?;
        if let Some(id) = a.user_id {
            match a.outcome {
                LoginOutcome::Success => {
                    diesel::update(users::table.find(id))
                        .set((users::failed_logins.eq(0), users::last_login_at.eq(a.at)))
                        .execute(conn)?;
                }
                LoginOutcome::BadCredentials => {
                    diesel::update(users::table.find(id))
                        .set(users::failed_logins.eq(users::failed_logins + 1))
                        .execute(conn)?;
                }
                LoginOutcome::Busy => {}
            }
        }
        Ok(())
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
