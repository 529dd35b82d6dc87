//! The database: the connection pool, embedded migrations, the queue that runs requests'
//! database work ([`run`]), and the one way raw SQL is written ([`prepared`]).

mod connections;
mod notices;
pub mod prepared;
mod queue;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PoolError, PooledConnection};
use diesel::QueryResult;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use connections::Manager;
use connections::{connection_lost, mark_broken, ConnectionErrors, SessionSettings};
use notices::{Dead, Notices};
pub use notices::{Notice, NOTICE_CHANNEL};
pub use prepared::{statement, ArrayPart, Statement};
use queue::{Job, WorkQueue};

use crate::error::AppError;

pub type PgConn = PooledConnection<Manager>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Connections left for work outside requests: the summaries' refresh, mail and session
/// clean-up ([`run_background`]).
pub const BACKGROUND_CONNECTIONS: u32 = 2;

/// The connection pool and the one queue of requests' database work that feeds it.
#[derive(Clone)]
pub struct PgPool {
    connections: Pool<Manager>,
    queue: Arc<WorkQueue>,
    notices: Arc<Notices>,
    /// The last connection tried could not be made, or a lent one was found closed.
    unreachable: Arc<AtomicBool>,
}

impl PgPool {
    /// A connection for work that is not a request's (start-up, tests, background).
    pub fn get(&self) -> Result<PgConn, PoolError> {
        self.connections.get()
    }

    pub fn get_timeout(&self, wait: std::time::Duration) -> Result<PgConn, PoolError> {
        self.connections.get_timeout(wait)
    }

    /// Calls `handler` with every notice any job's connection hears from now on.
    pub fn on_notice(&self, handler: impl Fn(Notice<'_>) + Send + Sync + 'static) {
        if let Ok(mut handlers) = self.notices.handlers.write() {
            handlers.push(Arc::new(handler));
        }
    }
}

tokio::task_local! {
    /// How many database jobs a request has finished (set by `web::session_store::recheck`).
    pub static JOBS_DONE: std::cell::Cell<u32>;
}

/// How many threads run requests' database work for a pool of `size`: every connection but the
/// background's, at least one.
pub fn request_threads(size: u32) -> usize {
    size.saturating_sub(BACKGROUND_CONNECTIONS).max(1) as usize
}

/// How long a job waits for a connection. While the database is down, a new connection is tried
/// again at least every half of this, so service resumes within a second of it coming back.
const CHECKOUT_WAIT: Duration = Duration::from_secs(2);

/// How long a request's job may wait in the queue before it is answered "unavailable" without
/// running: after an outage the backlog's clients have given up, and running their work first
/// would keep the next requests waiting too.
pub const QUEUE_PATIENCE: Duration = Duration::from_secs(10);

/// Builds the pool lazily: the server starts (and `/health` answers) even while the database is
/// down, and `/health/ready` reports it.
pub fn pool(database_url: &str, size: u32) -> PgPool {
    let notices = Arc::new(Notices::default());
    let unreachable = Arc::new(AtomicBool::new(false));
    let connections = Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(CHECKOUT_WAIT)
        // The check costs no round trip (see `Manager`).
        .test_on_check_out(true)
        .error_handler(Box::new(ConnectionErrors))
        .connection_customizer(Box::new(SessionSettings {
            notices: Arc::clone(&notices),
        }))
        .build_unchecked(Manager {
            inner: ConnectionManager::new(database_url),
            notices: Arc::clone(&notices),
            unreachable: Arc::clone(&unreachable),
        });
    PgPool {
        connections,
        queue: Arc::new(WorkQueue::start(request_threads(size))),
        notices,
        unreachable,
    }
}

/// Applies every pending migration; returns how many ran.
pub fn migrate(conn: &mut PgConnection) -> Result<usize, String> {
    conn.run_pending_migrations(MIGRATIONS)
        .map(|done| done.len())
        .map_err(|e| format!("migrations failed: {e}"))
}

/// Runs a request's `work` with a pooled connection, in its turn on the pool's queue, and gives
/// the connection back as soon as `work` returns. Never call argon2 or send mail inside `work`.
pub async fn run<T, F>(pool: &PgPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    run_then(pool, work, Ok).await
}

/// [`run`], then `after` with its result on the same thread once the connection is back in the
/// pool: a large page renders in the same turn as its queries instead of queueing again on its
/// HTTP worker.
pub async fn run_then<T, U, F, G>(pool: &PgPool, work: F, after: G) -> Result<U, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    G: FnOnce(T) -> Result<U, AppError> + Send + 'static,
    U: Send + 'static,
{
    let done = queued(pool, (QUEUE_PATIENCE, CHECKOUT_WAIT), work, after).await;
    let _ = JOBS_DONE.try_with(|jobs| jobs.set(jobs.get().saturating_add(1)));
    done
}

/// Whether requests can be served now: a job goes through the requests' queue within `within`
/// and its connection answers. False while the database is unreachable or the queue is stuck.
pub async fn serving(pool: &PgPool, within: Duration) -> Result<(), AppError> {
    use diesel::RunQueryDsl;
    // While the last connection tried failed, wait only briefly for the pool's next try.
    let wait = if pool.unreachable.load(Ordering::Relaxed) {
        Duration::from_millis(500)
    } else {
        CHECKOUT_WAIT
    };
    let probe = queued(
        pool,
        (within, wait),
        |conn| {
            Ok(
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
                    .execute(conn)?,
            )
        },
        Ok,
    );
    match tokio::time::timeout(within + wait, probe).await {
        Ok(done) => done.map(|_| ()),
        Err(_) => Err(AppError::Unavailable(
            "the request queue is not moving".into(),
        )),
    }
}

/// Runs `work` on the requests' queue, unless it waited there longer than `patience`, with a
/// connection the pool lends within `wait`.
async fn queued<T, U, F, G>(
    pool: &PgPool,
    (patience, wait): (Duration, Duration),
    work: F,
    after: G,
) -> Result<U, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    G: FnOnce(T) -> Result<U, AppError> + Send + 'static,
    U: Send + 'static,
{
    let (connections, notices) = (pool.connections.clone(), Arc::clone(&pool.notices));
    let span = tracing::Span::current();
    let (reply, answer) = tokio::sync::oneshot::channel();
    let queued_at = Instant::now();
    let job: Job = Box::new(move || {
        let _entered = span.enter();
        if queued_at.elapsed() > patience {
            let _ = reply.send(Err(AppError::Unavailable(
                "waited too long in the queue".into(),
            )));
            return;
        }
        let done = with_connection(&connections, wait, &notices, work).and_then(after);
        let _ = reply.send(done);
    });
    pool.queue.submit(job)?;
    answer
        .await
        .map_err(|_| AppError::Unexpected("a database job panicked".into()))?
}

/// Runs `work` with a pooled connection, then hands on what the connection heard. A job whose
/// connection turned out closed failed because of it: that is "unavailable" (503), whatever the
/// statement's error said, and the pool discards the connection.
fn with_connection<T, F>(
    connections: &Pool<Manager>,
    wait: Duration,
    notices: &Notices,
    work: F,
) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError>,
{
    let mut conn = connections.get_timeout(wait)?;
    let done = work(&mut conn);
    let heard = notices.drain(&mut conn);
    match (done, heard) {
        (Err(e), Err(Dead)) if !connection_lost(&e) => {
            tracing::warn!(error = ?e, "the database connection closed during a job");
            Err(AppError::Unavailable(
                "the connection closed during the job".into(),
            ))
        }
        (Err(e), _) => {
            if connection_lost(&e) {
                mark_broken(&mut conn);
            }
            Err(e)
        }
        (done, _) => done,
    }
}

/// Runs background `work` (mail, summaries, clean-up) on the runtime's blocking threads with a
/// connection of its own, outside the requests' queue.
pub async fn run_background<T, F>(pool: &PgPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let (connections, notices) = (pool.connections.clone(), Arc::clone(&pool.notices));
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        with_connection(&connections, CHECKOUT_WAIT, &notices, work)
    })
    .await
    .map_err(|e| AppError::Unexpected(format!("blocking task failed: {e}")))?
}

/// A save statement's result with its conflict guard (`rollbook_raise('rollbook: conflicting
/// mark')`: a row it was to update was created by another save meanwhile) turned into
/// `RollbackTransaction`, which the register's and the gradebook's saves take as "read again and
/// retry".
pub fn retry_on_conflict<T>(result: QueryResult<T>) -> QueryResult<T> {
    match result {
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("rollbook: conflicting mark") =>
        {
            Err(diesel::result::Error::RollbackTransaction)
        }
        other => other,
    }
}

/// A row of one `id` column (`INSERT … RETURNING id`).
#[derive(Debug, diesel::QueryableByName)]
pub struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
}
