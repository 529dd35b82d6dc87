//! actix-session's `SessionStore` over the `sessions` table, so sessions can be revoked on the
//! server: sign-out deletes the row, and a password change or deactivation kills the others.
//!
//! The cookie carries a random session key; the table keys rows by its SHA-256, so a copy of the
//! table cannot be replayed. Loading a session also loads its user in the same query and drops
//! the session when it is idle for 30 minutes, older than 12 hours, or its user was deactivated
//! or changed credentials since. The loaded user is placed in the state under `_user` for the
//! `CurrentUser` extractor; keys that start with `_` are never written back.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::db::{self, PgPool};
use crate::schema::{sessions, users};
use crate::web::auth::{Role, SessionUser};

/// Sessions end after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// Sessions end this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often per session, not on every request.
const TOUCH_INTERVAL: Duration = Duration::seconds(60);

/// Session state keys with a meaning to the store (values are JSON, as actix-session keeps them).
pub const KEY_USER_ID: &str = "uid";
pub const KEY_AUTH_VERSION: &str = "av";
pub const KEY_IP: &str = "ip";
pub const KEY_USER_AGENT: &str = "ua";
/// Injected on load; never stored.
pub const KEY_LOADED_USER: &str = "_user";

#[derive(Clone)]
pub struct PgSessionStore {
    pool: PgPool,
    clock: Clock,
}

impl PgSessionStore {
    pub fn new(pool: PgPool, clock: Clock) -> Self {
        Self { pool, clock }
    }
}

/// The SHA-256 of a session key, as stored in `sessions.id`.
pub fn key_hash(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Queryable)]
struct LoadedRow {
    state: Value,
    public_id: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    session_auth_version: Option<i32>,
    user_id: Option<i64>,
    role: Option<String>,
    display_name: Option<String>,
    email: Option<String>,
    school_id: Option<i64>,
    active: Option<bool>,
    user_auth_version: Option<i32>,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = sessions)]
#[diesel(treat_none_as_null = true)]
struct SessionColumns {
    state: Value,
    user_id: Option<i64>,
    auth_version: Option<i32>,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl SessionColumns {
    fn from_state(state: HashMap<String, String>) -> Self {
        let json = |key: &str| {
            state
                .get(key)
                .and_then(|v| serde_json::from_str::<Value>(v).ok())
        };
        let text =
            |key: &str| json(key).and_then(|v| v.as_str().map(|s| s.chars().take(400).collect()));
        let user_id = json(KEY_USER_ID).and_then(|v| v.as_i64());
        let auth_version = json(KEY_AUTH_VERSION)
            .and_then(|v| v.as_i64())
            .map(|v| v as i32);
        let (ip, user_agent) = (text(KEY_IP), text(KEY_USER_AGENT));
        let kept: serde_json::Map<String, Value> = state
            .into_iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Self {
            state: Value::Object(kept),
            user_id,
            auth_version,
            ip,
            user_agent,
        }
    }
}

fn load_error(e: crate::error::AppError) -> LoadError {
    LoadError::Other(anyhow::anyhow!("session load failed: {e:?}"))
}

impl SessionStore for PgSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let id = key_hash(session_key.as_ref());
        let now = self.clock.now();
        db::run(&self.pool, move |conn| {
            let row: Option<LoadedRow> = sessions::table
                .left_join(users::table)
                .filter(sessions::id.eq(&id))
                .select((
                    sessions::state,
                    sessions::public_id,
                    sessions::created_at,
                    sessions::last_seen_at,
                    sessions::auth_version,
                    users::id.nullable(),
                    users::role.nullable(),
                    users::display_name.nullable(),
                    users::email.nullable(),
                    users::school_id.nullable(),
                    users::active.nullable(),
                    users::auth_version.nullable(),
                ))
                .first(conn)
                .optional()?;
            let Some(row) = row else { return Ok(None) };
            let expired =
                now - row.last_seen_at > IDLE_TIMEOUT || now - row.created_at > ABSOLUTE_TIMEOUT;
            let signed_in_user_gone = row.session_auth_version.is_some()
                && (row.active != Some(true) || row.user_auth_version != row.session_auth_version);
            if expired || signed_in_user_gone {
                diesel::delete(sessions::table.find(&id)).execute(conn)?;
                return Ok(None);
            }
            if now - row.last_seen_at > TOUCH_INTERVAL {
                diesel::update(sessions::table.find(&id))
                    .set(sessions::last_seen_at.eq(now))
                    .execute(conn)?;
            }
            let mut state: HashMap<String, String> = match row.state {
                Value::Object(map) => map
                    .into_iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                    .collect(),
                _ => HashMap::new(),
            };
            if let (Some(id), Some(role), Some(name), Some(email)) =
                (row.user_id, row.role, row.display_name, row.email)
            {
                if let Ok(role) = role.parse::<Role>() {
                    let user = SessionUser {
                        id,
                        role,
                        name,
                        email,
                        school_id: row.school_id,
                        session_id: row.public_id,
                    };
                    if let Ok(json) = serde_json::to_string(&user) {
                        state.insert(KEY_LOADED_USER.into(), json);
                    }
                }
            }
            Ok(Some(state))
        })
        .await
        .map_err(load_error)
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let key = crate::web::random_token(32);
        let id = key_hash(&key);
        let now = self.clock.now();
        let columns = SessionColumns::from_state(session_state);
        db::run(&self.pool, move |conn| {
            diesel::insert_into(sessions::table)
                .values((
                    sessions::id.eq(&id),
                    sessions::public_id.eq(crate::web::random_token(12)),
                    sessions::created_at.eq(now),
                    sessions::last_seen_at.eq(now),
                    &columns,
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| SaveError::Other(anyhow::anyhow!("session save failed: {e:?}")))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let id = key_hash(session_key.as_ref());
        let columns = SessionColumns::from_state(session_state);
        // A row deleted meanwhile (signed out elsewhere, revoked) stays deleted: never resurrect.
        db::run(&self.pool, move |conn| {
            diesel::update(sessions::table.find(&id))
                .set(&columns)
                .execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| UpdateError::Other(anyhow::anyhow!("session update failed: {e:?}")))?;
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        _session_key: &SessionKey,
        _ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        // Idle time is tracked by `load` (throttled), not by actix-session's TTL.
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let id = key_hash(session_key.as_ref());
        db::run(&self.pool, move |conn| {
            diesel::delete(sessions::table.find(&id)).execute(conn)?;
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("session delete failed: {e:?}"))
    }
}

/// Deletes sessions that can no longer be used; the server runs this every few minutes.
pub fn delete_expired(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::last_seen_at
                .lt(now - IDLE_TIMEOUT)
                .or(sessions::created_at.lt(now - ABSOLUTE_TIMEOUT)),
        ),
    )
    .execute(conn)
}
