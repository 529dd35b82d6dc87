//! The connection pool, embedded migrations and the helper that runs diesel on the blocking pool.

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
pub type PgConn = PooledConnection<ConnectionManager<PgConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Builds the pool lazily: the server starts (and `/health` answers) even while the database is
/// down, and `/health/ready` reports it.
pub fn pool(database_url: &str, size: u32) -> PgPool {
    Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(std::time::Duration::from_secs(5))
        .test_on_check_out(false)
        .connection_customizer(Box::new(SessionSettings))
        .build_unchecked(ConnectionManager::new(database_url))
}

/// Settings for every new connection. JIT compilation costs ~15 ms per query whose estimated
/// cost crosses PostgreSQL's threshold, and Rollbook's short queries never win it back.
#[derive(Debug)]
struct SessionSettings;

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::RunQueryDsl;
        diesel::sql_query("SET jit = off")
            .execute(conn)
            .map(|_| ())
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Applies every pending migration; returns how many ran.
pub fn migrate(conn: &mut PgConnection) -> Result<usize, String> {
    conn.run_pending_migrations(MIGRATIONS)
        .map(|done| done.len())
        .map_err(|e| format!("migrations failed: {e}"))
}

/// Runs `work` with a pooled connection on the blocking thread pool and gives the connection back
/// as soon as `work` returns. Never call argon2 or send mail inside `work`.
pub async fn run<T, F>(pool: &PgPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(AppError::from)?;
        work(&mut conn)
    })
    .await
    .map_err(|e| AppError::Unexpected(format!("blocking task failed: {e}")))?
}
