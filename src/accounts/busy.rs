//! Sign-ins refused because every hashing slot is busy are answered before any database work
//! (a storm must not take the connections and commits the pages need), and still recorded in
//! `login_events`: in memory first, then written by a background task once a second in one
//! INSERT.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Timestamptz};

/// At most this many refusals wait for the writer; beyond that they are counted and logged.
const CAPACITY: usize = 20_000;

#[derive(Debug, Clone)]
pub struct BusyAttempt {
    pub at: DateTime<Utc>,
    pub email: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Default)]
pub struct BusyLog {
    rows: Mutex<Vec<BusyAttempt>>,
    dropped: AtomicU64,
}

impl BusyLog {
    pub fn push(&self, row: BusyAttempt) {
        match self.rows.lock() {
            Ok(mut rows) if rows.len() < CAPACITY => rows.push(row),
            _ => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn take(&self) -> Vec<BusyAttempt> {
        self.rows
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    /// How many refusals could not be kept (the buffer was full), since the last call.
    pub fn take_dropped(&self) -> u64 {
        self.dropped.swap(0, Ordering::Relaxed)
    }
}

/// Writes the waiting refusals in one statement; returns how many.
pub fn flush(conn: &mut PgConnection, log: &BusyLog) -> QueryResult<usize> {
    let rows = log.take();
    if rows.is_empty() {
        return Ok(0);
    }
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    crate::db::statement(include_str!("sql/insert_busy_sign_ins.sql"))
        .bind::<Array<Timestamptz>, _>(rows.iter().map(|r| r.at).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(rows.iter().map(|r| cut(&r.email, 254)).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.ip.clone()).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(
            rows.iter()
                .map(|r| r.user_agent.as_deref().map(|u| cut(u, 400)))
                .collect::<Vec<_>>(),
        )
        .execute(conn)
}

/// Writes refusals once a second while the server runs.
pub fn spawn_writer(state: &crate::AppState, busy_log: actix_web::web::Data<BusyLog>) {
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            let dropped = busy_log.take_dropped();
            if dropped > 0 {
                tracing::warn!(
                    dropped,
                    "busy sign-in refusals not recorded: the buffer was full"
                );
            }
            let log = busy_log.clone();
            if let Err(e) =
                crate::db::run_background(&state.pool, move |conn| Ok(flush(conn, &log)?)).await
            {
                tracing::warn!(error = ?e, "recording busy sign-ins failed");
            }
        }
    });
}
