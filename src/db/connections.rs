//! The pool's connections: how each is checked at check-out, set up when made, and discarded
//! when found closed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use diesel::pg::PgConnection;
use diesel::r2d2::ConnectionManager;

use super::notices::{Notice, Notices, NOTICE_CHANNEL};
use crate::error::AppError;

/// Makes the pool discard `conn` when it comes back (r2d2 asks diesel whether a connection is
/// broken, and diesel answers from its transaction state).
pub(super) fn mark_broken(conn: &mut PgConnection) {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    AnsiTransactionManager::transaction_manager_status_mut(conn).set_in_error();
}

/// Whether a job's error means its connection can no longer be used.
pub(super) fn connection_lost(error: &AppError) -> bool {
    matches!(error, AppError::Unavailable(_))
}

/// The pool's connections: diesel's manager, with a check at every check-out that costs no round
/// trip. A connection the server has closed (a restart, a terminated backend) has end-of-file
/// waiting on its socket; reading what is there without blocking finds it, and r2d2 then
/// discards that connection and opens another. The first read may only take in the server's
/// farewell message, so the check reads twice.
pub struct Manager {
    pub(super) inner: ConnectionManager<PgConnection>,
    pub(super) notices: Arc<Notices>,
    pub(super) unreachable: Arc<AtomicBool>,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = PgConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgConnection, Self::Error> {
        let made = self.inner.connect();
        self.unreachable.store(made.is_err(), Ordering::Relaxed);
        made
    }

    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), Self::Error> {
        let closed = || {
            diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                "the server closed the connection".into(),
            ))
        };
        let open = self
            .notices
            .drain(conn)
            .and_then(|_| self.notices.drain(conn));
        if open.is_err() {
            // Until a new connection is made, the database may be down.
            self.unreachable.store(true, Ordering::Relaxed);
        }
        open.map_err(|_| closed())
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        self.inner.has_broken(conn)
    }
}

/// Logs a connection that could not be made or was found closed: a warning, since the pool
/// tries again by itself and requests meanwhile answer 503.
#[derive(Debug)]
pub(super) struct ConnectionErrors;

impl diesel::r2d2::HandleError<diesel::r2d2::Error> for ConnectionErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        tracing::warn!(%error, "database connection");
    }
}

/// Settings for every new connection: no JIT (Rollbook's short queries never win its compile time
/// back); one generic plan per prepared statement, planned once, so a statement must not hide
/// variants behind `$1 IS NULL OR …` (write one statement per variant); and `LISTEN` on
/// [`NOTICE_CHANNEL`].
pub(super) struct SessionSettings {
    pub(super) notices: Arc<Notices>,
}

impl std::fmt::Debug for SessionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSettings")
    }
}

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(&format!(
            "SET jit = off; SET plan_cache_mode = force_generic_plan; LISTEN {NOTICE_CHANNEL}"
        ))
        .map_err(diesel::r2d2::Error::QueryError)?;
        self.notices.tell(Notice::Anything);
        Ok(())
    }
}
