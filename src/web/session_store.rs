//! actix-session's `SessionStore` over the `sessions` table, so sessions can be revoked on the
//! server: sign-out deletes the row, and a password change or deactivation kills the others.
//!
//! The cookie carries a random session key; the table keys rows by its SHA-256, so a copy of the
//! table cannot be replayed. Loading a session also loads its user in the same query and drops
//! the session when it is idle for 30 minutes, older than 12 hours, or its user was deactivated
//! or changed credentials since. The loaded user is placed in the state under `_user` for the
//! `CurrentUser` extractor; keys that start with `_` are never written back.
//!
//! Safe requests (GET, HEAD) may use a copy of the session loaded within the last minute
//! ([`SessionCache`]): the most requested pages then make one round trip instead of two. Every
//! change that could make a copy stale announces itself on `db::NOTICE_CHANNEL` (triggers on
//! `sessions` and `users`), and each database job hands on what its connection heard before the
//! connection goes back to the pool. PostgreSQL delivers a committed notice to a listening
//! connection before its next answer, so once a request's own job has run, the server knows of
//! every change committed before the request began. [`recheck`] then looks at the session again
//! in the database if a notice concerned it meanwhile (or the request ran no job at all), and a
//! request whose session turns out dead is answered with a redirect to itself instead of its page,
//! exactly as if it had come a moment later. Unsafe requests always load the session from the
//! database: a revoked session never changes anything.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::db::{self, PgPool};
use crate::error::AppError;
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

/// How many sessions the cache holds at most; when it is full it starts again empty.
const CACHE_LIMIT: usize = 5_000;

/// Copies of recently loaded sessions, for safe requests; see the module's documentation.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, CachedSession>>,
    /// Moves on whenever a copy may have gone stale; a load that began before a move does not
    /// store what it read.
    generation: AtomicU64,
    /// Numbers each copy kept, so that a request can tell whether the copy it used is still
    /// the one held.
    serials: AtomicU64,
}

#[derive(Clone)]
struct CachedSession {
    serial: u64,
    state: HashMap<String, String>,
    user_id: Option<i64>,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

impl SessionCache {
    /// A cache that forgets whatever the pool's connections hear announced.
    pub fn listening_to(pool: &PgPool) -> Arc<Self> {
        let cache = Arc::new(Self::default());
        let heard = Arc::clone(&cache);
        pool.on_notice(move |notice| heard.notice(notice));
        cache
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The copy of session `id`, if it is recent enough to need no touch (so using it skips no
    /// write) and the session has not outlived its absolute limit.
    fn get(&self, id: &str, now: DateTime<Utc>) -> Option<(HashMap<String, String>, u64)> {
        let entries = self.entries.lock().ok()?;
        let cached = entries.get(id)?;
        (now - cached.last_seen_at <= TOUCH_INTERVAL && now - cached.created_at <= ABSOLUTE_TIMEOUT)
            .then(|| (cached.state.clone(), cached.serial))
    }

    /// Whether the copy numbered `serial` of session `id` is still held: nothing announced since
    /// it was kept concerned that session or its user.
    pub fn holds(&self, id: &str, serial: u64) -> bool {
        self.entries
            .lock()
            .is_ok_and(|entries| entries.get(id).is_some_and(|c| c.serial == serial))
    }

    /// Keeps a copy read by a load that began at `generation`, unless something was announced
    /// since.
    fn put(&self, id: String, mut cached: CachedSession, generation: u64) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if self.generation() != generation {
            return;
        }
        if entries.len() >= CACHE_LIMIT {
            entries.clear();
        }
        cached.serial = self.serials.fetch_add(1, Ordering::SeqCst);
        entries.insert(id, cached);
    }

    /// Forgets session `id` (this server changed or deleted it).
    fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            self.generation.fetch_add(1, Ordering::SeqCst);
            entries.remove(id);
        }
    }

    /// Forgets whatever a notice says may be stale: one session, one user's sessions, or all.
    pub fn notice(&self, notice: db::Notice<'_>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        self.generation.fetch_add(1, Ordering::SeqCst);
        let payload = match notice {
            db::Notice::Payload(payload) => payload,
            db::Notice::Anything => "",
        };
        if let Some(id) = payload.strip_prefix("s:") {
            entries.remove(id);
        } else if let Some(user) = payload
            .strip_prefix("u:")
            .and_then(|u| u.parse::<i64>().ok())
        {
            entries.retain(|_, cached| cached.user_id != Some(user));
        } else {
            entries.clear();
        }
    }

    /// How many sessions have a copy here.
    pub fn copies(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

/// What [`recheck`] needs to know about the request it wraps.
struct RequestSession {
    /// GET or HEAD: the cache may answer.
    safe: bool,
    /// The session the cache answered with: its id, the copy's serial and the user it named.
    cached: Cell<Option<(String, u64, Option<String>)>>,
    /// A session read or write found the database unavailable: the answer is 503, not the
    /// signed-out page or a 500 that the session middleware would give.
    unavailable: Cell<bool>,
}

/// Notes a store failure that is the database's, for [`recheck`] to answer 503.
fn noted<T>(done: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(AppError::Unavailable(_)) = &done {
        let _ = REQUEST.try_with(|r| r.unavailable.set(true));
    }
    done
}

tokio::task_local! {
    static REQUEST: RequestSession;
}

#[derive(Clone)]
pub struct PgSessionStore {
    pool: PgPool,
    clock: Clock,
    cache: Arc<SessionCache>,
}

impl PgSessionStore {
    pub fn new(pool: PgPool, clock: Clock, cache: Arc<SessionCache>) -> Self {
        Self { pool, clock, cache }
    }

    /// Loads session `id` from the database (dropping it if it is dead, touching it if due) and
    /// keeps a copy when nothing was announced meanwhile.
    async fn load_from_database(
        &self,
        id: String,
    ) -> Result<Option<HashMap<String, String>>, crate::error::AppError> {
        let now = self.clock.now();
        let generation = self.cache.generation();
        let read_id = id.clone();
        let loaded = db::run(&self.pool, move |conn| load_row(conn, &read_id, now)).await?;
        Ok(loaded.map(|cached| {
            let state = cached.state.clone();
            self.cache.put(id, cached, generation);
            state
        }))
    }
}

/// Middleware around the session middleware: lets safe requests use the cache, and makes sure a
/// request the cache answered did not run on a session that was dead by the time it began.
pub async fn recheck(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::Method;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    let state = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .cloned();
    let request = RequestSession {
        safe,
        cached: Cell::new(None),
        unavailable: Cell::new(false),
    };
    let (res, cached, jobs, unavailable) = REQUEST
        .scope(request, async {
            let res = db::JOBS_DONE
                .scope(Cell::new(0), async {
                    let res = next.call(req).await;
                    (res, db::JOBS_DONE.with(Cell::get))
                })
                .await;
            let (cached, unavailable) = REQUEST.with(|r| (r.cached.take(), r.unavailable.get()));
            (res.0, cached, res.1, unavailable)
        })
        .await;
    if unavailable {
        return Err(AppError::Unavailable("the session store is unavailable".into()).into());
    }
    let res = res?.map_into_boxed_body();
    let (Some((id, serial, user)), Some(state)) = (cached, state) else {
        return Ok(res);
    };
    if jobs > 0 && state.sessions.holds(&id, serial) {
        return Ok(res);
    }
    let store = PgSessionStore::new(
        state.pool.clone(),
        state.clock.clone(),
        Arc::clone(&state.sessions),
    );
    match store.load_from_database(id).await {
        Ok(Some(state)) if state.get(KEY_LOADED_USER) == user.as_ref() => Ok(res),
        Err(e @ AppError::Unavailable(_)) => Err(e.into()),
        // Dead, changed (another name, role or school), or cannot tell: the page is not shown;
        // asking again loads the session afresh.
        _ => {
            let again = res
                .request()
                .uri()
                .path_and_query()
                .map_or("/".to_string(), |p| p.as_str().to_string());
            let (req, _) = res.into_parts();
            let answer = actix_web::HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, again))
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .finish();
            Ok(actix_web::dev::ServiceResponse::new(req, answer))
        }
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
        if REQUEST.try_with(|r| r.safe).unwrap_or(false) {
            if let Some((state, serial)) = self.cache.get(&id, self.clock.now()) {
                let user = state.get(KEY_LOADED_USER).cloned();
                let _ = REQUEST.try_with(|r| r.cached.set(Some((id, serial, user))));
                return Ok(Some(state));
            }
        }
        noted(self.load_from_database(id).await).map_err(load_error)
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
        noted(
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
            .await,
        )
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
        let forget = id.clone();
        noted(
            db::run(&self.pool, move |conn| {
                diesel::update(sessions::table.find(&id))
                    .set(&columns)
                    .execute(conn)?;
                Ok(())
            })
            .await,
        )
        .map_err(|e| UpdateError::Other(anyhow::anyhow!("session update failed: {e:?}")))?;
        self.cache.forget(&forget);
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
        let forget = id.clone();
        noted(
            db::run(&self.pool, move |conn| {
                diesel::delete(sessions::table.find(&id)).execute(conn)?;
                Ok(())
            })
            .await,
        )
        .map_err(|e| anyhow::anyhow!("session delete failed: {e:?}"))?;
        self.cache.forget(&forget);
        Ok(())
    }
}

/// Session `id` with its user, if it is alive: a dead one (idle, too old, its user deactivated or
/// their credentials changed) is deleted. Touches `last_seen_at` at most once a minute.
fn load_row(
    conn: &mut PgConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<CachedSession>, crate::error::AppError> {
    let row: Option<LoadedRow> = sessions::table
        .left_join(users::table)
        .filter(sessions::id.eq(id))
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
    let expired = now - row.last_seen_at > IDLE_TIMEOUT || now - row.created_at > ABSOLUTE_TIMEOUT;
    let signed_in_user_gone = row.session_auth_version.is_some()
        && (row.active != Some(true) || row.user_auth_version != row.session_auth_version);
    if expired || signed_in_user_gone {
        diesel::delete(sessions::table.find(id)).execute(conn)?;
        return Ok(None);
    }
    let mut last_seen_at = row.last_seen_at;
    if now - row.last_seen_at > TOUCH_INTERVAL {
        diesel::update(sessions::table.find(id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
        last_seen_at = now;
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
    Ok(Some(CachedSession {
        serial: 0,
        state,
        user_id: row.user_id,
        created_at: row.created_at,
        last_seen_at,
    }))
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

#[cfg(test)]
mod cache_tests {
    use super::*;

    fn copy(user: i64, at: DateTime<Utc>) -> CachedSession {
        CachedSession {
            serial: 0,
            state: HashMap::from([("uid".to_string(), user.to_string())]),
            user_id: Some(user),
            created_at: at,
            last_seen_at: at,
        }
    }

    #[test]
    fn a_copy_read_before_an_announcement_is_not_kept() {
        let cache = SessionCache::default();
        let now = Utc::now();
        let began = cache.generation();
        cache.notice(db::Notice::Payload("s:other"));
        cache.put("a".into(), copy(1, now), began);
        assert_eq!(cache.copies(), 0);
        cache.put("a".into(), copy(1, now), cache.generation());
        let (state, serial) = cache.get("a", now).unwrap();
        assert_eq!(state["uid"], "1");
        assert!(cache.holds("a", serial));
        cache.notice(db::Notice::Payload("s:other"));
        assert!(
            cache.holds("a", serial),
            "another session's notice leaves this copy"
        );
        cache.notice(db::Notice::Payload("u:1"));
        assert!(!cache.holds("a", serial), "its user's notice does not");
        cache.put("a".into(), copy(1, now), cache.generation());
        assert!(!cache.holds("a", serial), "a new copy has a new number");
    }

    #[test]
    fn announcements_forget_a_session_a_user_or_everything() {
        let cache = SessionCache::default();
        let now = Utc::now();
        for (id, user) in [("a", 1), ("b", 1), ("c", 2), ("d", 3)] {
            cache.put(id.into(), copy(user, now), cache.generation());
        }
        cache.notice(db::Notice::Payload("s:c"));
        assert!(cache.get("c", now).is_none());
        cache.notice(db::Notice::Payload("u:1"));
        assert!(cache.get("a", now).is_none() && cache.get("b", now).is_none());
        assert!(cache.get("d", now).is_some());
        cache.notice(db::Notice::Anything);
        assert_eq!(cache.copies(), 0);
        cache.put("e".into(), copy(4, now), cache.generation());
        cache.forget("e");
        assert_eq!(cache.copies(), 0);
    }

    #[test]
    fn a_copy_serves_only_until_its_session_is_due_a_touch() {
        let cache = SessionCache::default();
        let seen = Utc::now();
        cache.put("a".into(), copy(1, seen), cache.generation());
        assert!(cache.get("a", seen + TOUCH_INTERVAL).is_some());
        assert!(cache
            .get("a", seen + TOUCH_INTERVAL + Duration::seconds(1))
            .is_none());
    }
}
