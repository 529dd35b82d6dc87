//! What pooled connections hear from PostgreSQL on [`NOTICE_CHANNEL`], handed to whoever listens.

use std::sync::Arc;

use diesel::pg::PgConnection;

use super::connections::mark_broken;

/// The channel every pooled connection listens on: triggers announce there what may have made
/// a cached session stale (see `web::session_store`).
pub const NOTICE_CHANNEL: &str = "rollbook_sessions";

/// What a connection heard on [`NOTICE_CHANNEL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice<'a> {
    /// A trigger's payload.
    Payload(&'a str),
    /// A new connection: it began listening just now and missed whatever was said before, so
    /// anything may have changed.
    Anything,
}

type NoticeHandler = Arc<dyn Fn(Notice<'_>) + Send + Sync>;

/// Whoever wants to hear the notices; each job hands on what its connection heard before the
/// connection goes back to the pool.
#[derive(Default)]
pub(super) struct Notices {
    pub(super) handlers: std::sync::RwLock<Vec<NoticeHandler>>,
}

impl Notices {
    pub(super) fn tell(&self, notice: Notice<'_>) {
        if let Ok(handlers) = self.handlers.read() {
            for handler in handlers.iter() {
                handler(notice);
            }
        }
    }

    /// Hands on every notification the connection has received. PostgreSQL sends a committed
    /// NOTIFY to a listening connection before it answers that connection's next statement, so
    /// after a job's statements everything committed before the job began has been heard.
    ///
    /// Reading never blocks (`PQconsumeInput`), and on a connection the server has closed it
    /// fails: then the connection is marked broken (the pool discards it instead of lending it
    /// again), every listener hears that anything may have changed, and the drain ends.
    pub(super) fn drain(&self, conn: &mut PgConnection) -> Result<(), Dead> {
        loop {
            let next = conn.notifications_iter().next();
            match next {
                None => return Ok(()),
                Some(Ok(n)) if n.channel == NOTICE_CHANNEL => {
                    self.tell(Notice::Payload(&n.payload))
                }
                Some(Ok(_)) => {}
                Some(Err(_)) => {
                    mark_broken(conn);
                    self.tell(Notice::Anything);
                    return Err(Dead);
                }
            }
        }
    }
}

/// The server closed the connection.
#[derive(Debug)]
pub(super) struct Dead;
