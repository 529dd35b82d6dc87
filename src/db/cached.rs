//! The `(SELECT p.name FROM p)` dialect, on its way out (see `prepared`).

use std::sync::Arc;

use diesel::QueryResult;

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
