//! The connection pool, embedded migrations and the queue that runs requests' database work.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PoolError, PooledConnection};
use diesel::QueryResult;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub type PgConn = PooledConnection<Manager>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Connections left for work outside requests: the summaries' refresh, mail and session
/// clean-up ([`run_background`]).
pub const BACKGROUND_CONNECTIONS: u32 = 2;

/// The channel every pooled connection listens on: triggers announce there what may have made
/// a cached session stale (see `web::session_store`).
pub const NOTICE_CHANNEL: &str = "rollbook_sessions";

/// The connection pool and the one queue of requests' database work that feeds it.
#[derive(Clone)]
pub struct PgPool {
    connections: Pool<Manager>,
    queue: Arc<WorkQueue>,
    notices: Arc<Notices>,
    /// The last connection tried could not be made, or a lent one was found closed.
    unreachable: Arc<AtomicBool>,
}

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
struct Notices {
    handlers: std::sync::RwLock<Vec<NoticeHandler>>,
}

impl Notices {
    fn tell(&self, notice: Notice<'_>) {
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
    fn drain(&self, conn: &mut PgConnection) -> Result<(), Dead> {
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
struct Dead;

/// Makes the pool discard `conn` when it comes back (r2d2 asks diesel whether a connection is
/// broken, and diesel answers from its transaction state).
fn mark_broken(conn: &mut PgConnection) {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    AnsiTransactionManager::transaction_manager_status_mut(conn).set_in_error();
}

/// Whether a job's error means its connection can no longer be used.
fn connection_lost(error: &AppError) -> bool {
    matches!(error, AppError::Unavailable(_))
}

/// The pool's connections: diesel's manager, with a check at every check-out that costs no round
/// trip. A connection the server has closed (a restart, a terminated backend) has end-of-file
/// waiting on its socket; reading what is there without blocking finds it, and r2d2 then
/// discards that connection and opens another. The first read may only take in the server's
/// farewell message, so the check reads twice.
pub struct Manager {
    inner: ConnectionManager<PgConnection>,
    notices: Arc<Notices>,
    unreachable: Arc<AtomicBool>,
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

type Job = Box<dyn FnOnce() + Send>;

/// One first-come, first-served queue of jobs for a fixed set of threads, shared by every HTTP
/// worker. Each HTTP worker's own blocking threads would give each worker a queue of its own: a
/// request that lands behind a busy worker waits while another worker's threads are idle, and
/// threads that outnumber the connections wait inside the pool, whose wake-ups are not in order.
/// Under load at 50 clients either made 1 request in 100 take 1.5 to 3 times the median (the
/// gradebook page's p99 was 60 ms with a queue per worker, 46–49 ms with this one, at the same
/// throughput). The threads end when the last clone of the pool is dropped.
struct WorkQueue {
    jobs: mpsc::Sender<Job>,
}

impl WorkQueue {
    fn start(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("rollbook-db-{i}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for the next job, never while running it.
                    let next = queue
                        .lock()
                        .map_err(|_| ())
                        .and_then(|q| q.recv().map_err(|_| ()));
                    let Ok(job) = next else { return };
                    // A panicking job drops its reply channel (its caller gets an error); the
                    // thread carries on with the next job.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                })
                .expect("cannot start a database thread");
        }
        Self { jobs }
    }

    fn submit(&self, job: Job) -> Result<(), AppError> {
        self.jobs
            .send(job)
            .map_err(|_| AppError::Unexpected("the database threads have stopped".into()))
    }
}

/// Logs a connection that could not be made or was found closed: a warning, since the pool
/// tries again by itself and requests meanwhile answer 503.
#[derive(Debug)]
struct ConnectionErrors;

impl diesel::r2d2::HandleError<diesel::r2d2::Error> for ConnectionErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        tracing::warn!(%error, "database connection");
    }
}

/// Settings for every new connection. JIT compilation costs ~15 ms per query whose estimated
/// cost crosses PostgreSQL's threshold, and Rollbook's short queries never win it back. Prepared
/// statements keep one generic plan: a custom plan per execution would plan every request again
/// wherever optional filters (`$1 IS NULL OR …`) make the custom plan look cheaper. Every
/// connection listens on [`NOTICE_CHANNEL`].
struct SessionSettings {
    notices: Arc<Notices>,
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
        |conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?),
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

/// A score in hundredths (a `numeric(7,2)` times 100), as `score_grids.cells` carries it: exact,
/// where `numeric::float8` would cost PostgreSQL a trip through text for every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hundredths(pub i64);

impl Hundredths {
    pub fn to_f64(self) -> f64 {
        // Correctly rounded, like PostgreSQL's own conversion of the same decimal.
        self.0 as f64 / 100.0
    }
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

/// A raw SQL query that diesel prepares once per connection and reuses (`diesel::sql_query`
/// never is: PostgreSQL would plan it again on every request). The parameters are declared up
/// front and bound in order; the SQL reads them by name from a `p` row, either as a scalar
/// `(SELECT p.class_id FROM p)` or by joining `p`.
///
/// ```text
/// db::cached(&[("class_id", "bigint"), ("day", "date")], "SELECT … FROM enrolments e WHERE e.class_id = (SELECT p.class_id FROM p) …")
///     .bind::<BigInt, _>(class_id).bind::<Date, _>(day).load::<Row>(conn)
/// ```
///
/// Each scalar `(SELECT p.name FROM p)` is sent as the parameter itself (`($1::bigint)`): a
/// sub-select per use would cost an InitPlan and a CTE scan in every execution of the plan.
pub struct Cached {
    params: &'static [(&'static str, &'static str)],
    body: Arc<str>,
    binds: Vec<Box<dyn diesel::query_builder::QueryFragment<diesel::pg::Pg> + Send>>,
}

/// Starts a cached query; see [`Cached`].
pub fn cached(params: &'static [(&'static str, &'static str)], body: impl Into<String>) -> Cached {
    Cached {
        params,
        body: inlined(params, body.into()),
        binds: Vec::new(),
    }
}

/// For a cached query with an optional parameter `param`: "`column` equals it" when it is given,
/// "it is NULL" when it is not. The two cases are then different statements, each with a plan
/// that fits it; `p.x IS NULL OR column = p.x` would leave one generic plan guessing, and it
/// guesses a scan of everything.
pub fn optional_eq(param: &str, column: &str, given: bool) -> String {
    if given {
        format!("{column} = (SELECT p.{param} FROM p)")
    } else {
        format!("(SELECT p.{param} FROM p) IS NULL")
    }
}

/// For a list's SQL written per filter (`diesel::sql_query`, `$n` parameters): `condition` when
/// the filter is given, else "`param` IS NULL", which is true for the NULL bound in its place
/// and keeps the parameter used. Each combination of filters is then its own statement with a
/// plan that fits it; `$3 IS NULL OR name ILIKE $3` left one generic plan that scanned every
/// row.
pub fn when_given(given: bool, condition: &str, param: &str) -> String {
    if given {
        format!("({condition})")
    } else {
        format!("{param} IS NULL")
    }
}

/// "`column` is one of the ids in the `bigint[]` parameter `param`", written for how many there
/// are. A generic plan guesses ten or so elements for `= ANY($1)` and may then scan a whole
/// table to hash-join them; for one id (a parent's child), `= $1[1]` is a plain equality that
/// keeps the index.
pub fn any_of(param: &str, column: &str, count: usize) -> String {
    if count == 1 {
        format!("{column} = ((SELECT p.{param} FROM p)::bigint[])[1]")
    } else {
        format!("{column} = ANY((SELECT p.{param} FROM p)::bigint[])")
    }
}

/// The body of one statement that answers several queries at once: each of `parts` (a query's
/// SQL, reading the shared `p` parameters; `None` for a part not wanted this time, which is then
/// NULL) comes back as one column holding its rows as an array of records, NULL when it has no
/// rows. Load each column as `Nullable<Array<Record<ST>>>` (`ST` the part's column types, flat,
/// at most 16; [`ArrayPart`]) into `Option<Vec<tuple>>`. A page that needs several queries after its
/// authorisation check then makes one round trip for them, not one each: every statement costs
/// PostgreSQL and the server a message exchange, a transaction and a wake-up on each side
/// (about a tenth of a millisecond of CPU on the benchmark machine, as much as a parent's page
/// spends on one of its queries). Order inside a part is not kept: sort where the order matters.
pub fn arrays_of(parts: &[Option<&str>]) -> String {
    let columns: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| match part {
            Some(sql) => format!("(SELECT array_agg(x) FROM ({sql}) x) AS part{i}"),
            None => format!("NULL AS part{i}"),
        })
        .collect();
    format!("SELECT {}", columns.join(", "))
}

/// The SQL type of one column of [`arrays_of`], for a part whose rows have the column types `ST`.
pub type ArrayPart<ST> =
    diesel::sql_types::Nullable<diesel::sql_types::Array<diesel::sql_types::Record<ST>>>;

/// The parameters of a statement made of several queries' SQL (see [`arrays_of`]): their
/// declared lists one after the other, joined once into `cell` (a `static` of the caller's).
/// Bind in the same order.
pub fn joined_params(
    cell: &'static std::sync::OnceLock<Vec<(&'static str, &'static str)>>,
    lists: &[&[(&'static str, &'static str)]],
) -> &'static [(&'static str, &'static str)] {
    cell.get_or_init(|| lists.concat())
}

/// [`inline_params`], remembered by each database thread for each statement it has seen (a
/// statement's text is rebuilt on every request, and searching it again cost a page up to a
/// tenth of its server time). Keyed by the parameters' declaration (a `static`) and the text;
/// forgotten wholesale past 1,024 texts, which only a query built with values in its text could
/// reach.
fn inlined(params: &'static [(&'static str, &'static str)], body: String) -> Arc<str> {
    type Seen = rustc_hash::FxHashMap<(usize, usize, String), Arc<str>>;
    thread_local! {
        static SEEN: std::cell::RefCell<Seen> = std::cell::RefCell::new(Seen::default());
    }
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        let key = (params.as_ptr() as usize, params.len(), body);
        if let Some(done) = seen.get(&key) {
            return done.clone();
        }
        let done: Arc<str> = inline_params(params, &key.2).into();
        if seen.len() >= 1024 {
            seen.clear();
        }
        seen.insert(key, done.clone());
        done
    })
}

/// Replaces every `(SELECT p.name FROM p)` of a declared parameter with `($n::type)`.
fn inline_params(params: &[(&str, &str)], body: &str) -> String {
    const OPEN: &str = "(SELECT p.";
    const CLOSE: &str = " FROM p)";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        match params.iter().position(|(n, _)| *n == name) {
            Some(i) if after[name_len..].starts_with(CLOSE) => {
                out.push_str(&format!("(${}::{})", i + 1, params[i].1));
                rest = &after[name_len + CLOSE.len()..];
            }
            _ => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl Cached {
    /// Binds the next declared parameter.
    pub fn bind<ST, T>(mut self, value: T) -> Self
    where
        ST: 'static + Send,
        T: diesel::serialize::ToSql<ST, diesel::pg::Pg> + Send + 'static,
        diesel::pg::Pg: diesel::sql_types::HasSqlType<ST>,
    {
        self.binds.push(Box::new(Bound::<ST, T> {
            value,
            sql_type: std::marker::PhantomData,
        }));
        self
    }

    /// The query with its columns' SQL types declared, `ST` a tuple in the order the SQL selects
    /// them: rows then load into `Queryable` types by position. By name (`QueryableByName`),
    /// every field looks its column up among all the row's column names, which for a register's
    /// roster of 20 columns was about a tenth of a register page's server time. Declare exactly
    /// the selected columns: a row with fewer is refused, but one with more would be read as its
    /// first columns, so the types sit beside the SQL they describe.
    pub fn typed<ST: 'static>(self) -> Typed<ST> {
        Typed {
            query: self,
            sql_type: std::marker::PhantomData,
        }
    }
}

/// A [`Cached`] query whose rows load by position (see [`Cached::typed`]).
pub struct Typed<ST> {
    query: Cached,
    sql_type: std::marker::PhantomData<fn() -> ST>,
}

impl<ST> diesel::query_builder::QueryFragment<diesel::pg::Pg> for Typed<ST> {
    fn walk_ast<'b>(
        &'b self,
        out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        self.query.walk_ast(out)
    }
}

impl<ST> diesel::query_builder::QueryId for Typed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> diesel::query_builder::Query for Typed<ST> {
    type SqlType = ST;
}

impl<ST, Conn> diesel::RunQueryDsl<Conn> for Typed<ST> {}

struct Bound<ST, T> {
    value: T,
    sql_type: std::marker::PhantomData<fn() -> ST>,
}

impl<ST, T> diesel::query_builder::QueryFragment<diesel::pg::Pg> for Bound<ST, T>
where
    T: diesel::serialize::ToSql<ST, diesel::pg::Pg>,
    diesel::pg::Pg: diesel::sql_types::HasSqlType<ST>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_bind_param::<ST, T>(&self.value)
    }
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for Cached {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("WITH p AS (SELECT ");
        for (i, ((name, sql_type), bind)) in self.params.iter().zip(&self.binds).enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            bind.walk_ast(out.reborrow())?;
            out.push_sql("::");
            out.push_sql(sql_type);
            out.push_sql(" AS ");
            out.push_sql(name);
        }
        let body = self.body.trim_start();
        match body.strip_prefix("WITH ") {
            Some(rest) => {
                out.push_sql("), ");
                out.push_sql(rest);
            }
            None => {
                out.push_sql(") ");
                out.push_sql(body);
            }
        }
        Ok(())
    }
}

impl diesel::query_builder::QueryId for Cached {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for Cached {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Conn> diesel::RunQueryDsl<Conn> for Cached {}

#[cfg(test)]
mod queue_tests {
    use super::{request_threads, WorkQueue, BACKGROUND_CONNECTIONS};
    use std::sync::mpsc;

    #[test]
    fn requests_get_every_connection_but_the_background_ones() {
        assert_eq!(request_threads(6), 6 - BACKGROUND_CONNECTIONS as usize);
        assert_eq!(request_threads(20), 18);
        assert_eq!(request_threads(2), 1);
        assert_eq!(request_threads(1), 1);
    }

    #[test]
    fn jobs_run_in_arrival_order_and_a_panic_does_not_stop_the_thread() {
        let queue = WorkQueue::start(1);
        let (done, finished) = mpsc::channel();
        queue.submit(Box::new(|| panic!("a failing job"))).unwrap();
        for i in 0..50 {
            let done = done.clone();
            queue
                .submit(Box::new(move || done.send(i).unwrap()))
                .unwrap();
        }
        let order: Vec<i32> = (0..50).map(|_| finished.recv().unwrap()).collect();
        assert_eq!(order, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn the_threads_share_one_queue() {
        // Two threads, one held by a job that waits: the next jobs all run on the other.
        let queue = WorkQueue::start(2);
        let (release, held) = mpsc::channel::<()>();
        let (done, finished) = mpsc::channel();
        let blocker = done.clone();
        queue
            .submit(Box::new(move || {
                held.recv().unwrap();
                blocker
                    .send(("held", std::thread::current().name().map(String::from)))
                    .unwrap();
            }))
            .unwrap();
        for _ in 0..5 {
            let done = done.clone();
            queue
                .submit(Box::new(move || {
                    done.send(("quick", std::thread::current().name().map(String::from)))
                        .unwrap();
                }))
                .unwrap();
        }
        let quick: Vec<_> = (0..5).map(|_| finished.recv().unwrap()).collect();
        assert!(quick.iter().all(|(what, _)| *what == "quick"));
        assert!(quick.windows(2).all(|w| w[0].1 == w[1].1), "{quick:?}");
        release.send(()).unwrap();
        let (what, thread) = finished.recv().unwrap();
        assert_eq!(what, "held");
        assert_ne!(thread, quick[0].1);
        assert!(thread.unwrap().starts_with("rollbook-db-"));
    }
}

#[cfg(test)]
mod tests {
    use super::inline_params;

    #[test]
    fn an_optional_parameter_is_compared_only_when_given() {
        assert_eq!(
            super::optional_eq("school", "c.school_id", true),
            "c.school_id = (SELECT p.school FROM p)"
        );
        assert_eq!(
            super::optional_eq("school", "c.school_id", false),
            "(SELECT p.school FROM p) IS NULL"
        );
    }

    #[test]
    fn a_statement_is_inlined_once_per_thread_and_per_declaration() {
        static ONE: &[(&str, &str)] = &[("id", "bigint")];
        static OTHER: &[(&str, &str)] = &[("x", "int"), ("id", "text")];
        let body = "SELECT 1 FROM t WHERE t.id = (SELECT p.id FROM p)";
        let (a, b) = (
            super::cached(ONE, body),
            super::cached(ONE, body.to_string()),
        );
        assert_eq!(&*a.body, "SELECT 1 FROM t WHERE t.id = ($1::bigint)");
        assert!(
            std::sync::Arc::ptr_eq(&a.body, &b.body),
            "the second is remembered"
        );
        // Another declaration of the same text has its own numbering and types.
        let c = super::cached(OTHER, body);
        assert_eq!(&*c.body, "SELECT 1 FROM t WHERE t.id = ($2::text)");
    }

    #[test]
    fn one_id_is_an_equality_and_more_are_any() {
        let one = inline_params(
            &[("who", "bigint[]")],
            &super::any_of("who", "b.student_id", 1),
        );
        assert_eq!(one, "b.student_id = (($1::bigint[])::bigint[])[1]");
        assert_eq!(
            super::any_of("who", "b.student_id", 3),
            "b.student_id = ANY((SELECT p.who FROM p)::bigint[])"
        );
    }

    #[test]
    fn declared_scalar_parameters_are_inlined_and_others_kept() {
        let params = [("class_id", "bigint"), ("day", "date")];
        assert_eq!(
            inline_params(
                &params,
                "SELECT 1 FROM e, p WHERE e.c = (SELECT p.class_id FROM p) AND e.d <= (SELECT p.day FROM p) \
                 AND e.x = (SELECT p.other FROM p) AND e.y = p.day AND e.z = (SELECT p.day_x FROM p)"
            ),
            "SELECT 1 FROM e, p WHERE e.c = ($1::bigint) AND e.d <= ($2::date) \
                 AND e.x = (SELECT p.other FROM p) AND e.y = p.day AND e.z = (SELECT p.day_x FROM p)"
        );
    }
}
