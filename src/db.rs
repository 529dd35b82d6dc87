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
/// cost crosses PostgreSQL's threshold, and Rollbook's short queries never win it back. Prepared
/// statements keep one generic plan: a custom plan per execution would plan every request again
/// wherever optional filters (`$1 IS NULL OR …`) make the custom plan look cheaper.
#[derive(Debug)]
struct SessionSettings;

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SET jit = off; SET plan_cache_mode = force_generic_plan")
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

/// A `numeric` of at most two decimals (a score), in hundredths, read from PostgreSQL's binary
/// form. `numeric::float8` costs PostgreSQL a trip through text for every value: about a fifth of
/// a grid's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct Hundredths(pub i64);

impl Hundredths {
    pub fn to_f64(self) -> f64 {
        // Correctly rounded, like PostgreSQL's own conversion of the same decimal.
        self.0 as f64 / 100.0
    }

    /// Reads the binary `numeric`: digit count, weight (base-10000 exponent of the first digit),
    /// sign, display scale, then base-10000 digits. Digits below hundredths are dropped; a
    /// numeric(7,2) has none.
    fn from_numeric(b: &[u8]) -> Result<Self, String> {
        let word = |i: usize| -> Result<u16, String> {
            b.get(i..i + 2)
                .map(|w| u16::from_be_bytes([w[0], w[1]]))
                .ok_or_else(|| "numeric: too short".to_string())
        };
        let (count, weight, sign) = (word(0)? as usize, word(2)? as i16, word(4)?);
        let negative = match sign {
            0x0000 => false,
            0x4000 => true,
            _ => return Err("numeric: NaN or infinity is not a score".into()),
        };
        let mut total: i64 = 0;
        for i in 0..count {
            let digit = i64::from(word(8 + 2 * i)?);
            let power = i32::from(weight) - i as i32;
            let part = match power {
                p if p >= 0 => 10_000i64
                    .checked_pow(p as u32)
                    .and_then(|m| (digit * 100).checked_mul(m)),
                -1 => Some(digit / 100),
                _ => Some(0),
            };
            total = part
                .and_then(|p| total.checked_add(p))
                .ok_or_else(|| "numeric: too large".to_string())?;
        }
        Ok(Self(if negative { -total } else { total }))
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Numeric, diesel::pg::Pg> for Hundredths {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        Self::from_numeric(value.as_bytes()).map_err(Into::into)
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
    body: String,
    binds: Vec<Box<dyn diesel::query_builder::QueryFragment<diesel::pg::Pg> + Send>>,
}

/// Starts a cached query; see [`Cached`].
pub fn cached(params: &'static [(&'static str, &'static str)], body: impl Into<String>) -> Cached {
    Cached {
        params,
        body: inline_params(params, &body.into()),
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
    fn a_numeric_that_is_no_number_or_is_cut_short_is_refused() {
        // count 0, weight 0, sign, scale 2: NaN, +infinity, -infinity.
        for sign in [0xC000u16, 0xD000, 0xF000] {
            let [hi, lo] = sign.to_be_bytes();
            assert!(super::Hundredths::from_numeric(&[0, 0, 0, 0, hi, lo, 0, 2]).is_err());
        }
        // One digit announced, none sent.
        assert!(super::Hundredths::from_numeric(&[0, 1, 0, 0, 0, 0, 0, 2]).is_err());
        // 12.5: digits 12 and 5000 with weight 0.
        let v = super::Hundredths::from_numeric(&[0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88]);
        assert_eq!(v, Ok(super::Hundredths(1250)));
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
