//! The connection pool, embedded migrations and the helper that runs diesel on the blocking pool.

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::QueryResult;
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

/// A raw SQL query that diesel prepares once per connection and reuses (`diesel::sql_query`
/// never is: PostgreSQL would plan it again on every request). The parameters are declared up
/// front and bound in order; the SQL reads them from a `p` row (`p.class_id`).
///
/// ```text
/// db::cached(&[("class_id", "bigint"), ("day", "date")], "SELECT … FROM enrolments e, p WHERE e.class_id = p.class_id …")
///     .bind::<BigInt, _>(class_id).bind::<Date, _>(day).load::<Row>(conn)
/// ```
/// A row of one `id` column (`INSERT … RETURNING id`).
#[derive(Debug, diesel::QueryableByName)]
pub struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
}

pub struct Cached {
    params: &'static [(&'static str, &'static str)],
    body: String,
    binds: Vec<Box<dyn diesel::query_builder::QueryFragment<diesel::pg::Pg> + Send>>,
}

/// Starts a cached query; see [`Cached`].
pub fn cached(params: &'static [(&'static str, &'static str)], body: impl Into<String>) -> Cached {
    Cached {
        params,
        body: body.into(),
        binds: Vec::new(),
    }
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
}

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
