//! The one way Rollbook runs SQL that diesel's query builder cannot say well: a statement kept
//! in a `.sql` file beside its area, written with plain `$1…$n` and a header comment naming each,
//! loaded with `include_str!` and its values bound in order. Diesel prepares it once per
//! connection and reuses it (`diesel::sql_query` never does: PostgreSQL would plan it again on
//! every request). Rows load into a `QueryableByName` type declared beside the call.
//!
//! ```text
//! db::statement(include_str!("sql/list_class_students.sql"))
//!     .bind::<BigInt, _>(class_id)
//!     .bind::<Date, _>(day)
//!     .load::<RosterStudent>(conn)
//! ```

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;
use diesel::QueryResult;

/// A statement from a `.sql` file and the values bound to its `$1…$n`.
pub struct Statement<'a> {
    text: &'static str,
    values: Vec<Box<dyn QueryFragment<Pg> + Send + 'a>>,
}

/// Starts a statement; bind one value per `$n`, in order.
pub fn statement<'a>(text: &'static str) -> Statement<'a> {
    Statement {
        text: without_header(text),
        values: Vec::new(),
    }
}

/// The text after the file's leading `--` comment lines: PostgreSQL need not read them.
fn without_header(text: &'static str) -> &'static str {
    let mut rest = text;
    while rest.trim_start().starts_with("--") {
        let line_end = rest.find('\n').map_or(rest.len(), |n| n + 1);
        rest = &rest[line_end..];
    }
    rest.trim()
}

impl<'a> Statement<'a> {
    /// Binds the value of the next `$n`.
    pub fn bind<ST, T>(mut self, value: T) -> Self
    where
        ST: 'static + Send,
        T: ToSql<ST, Pg> + Send + 'a,
        Pg: HasSqlType<ST>,
    {
        self.values.push(Box::new(Value::<ST, T> {
            value,
            sql_type: std::marker::PhantomData,
        }));
        self
    }
}

impl QueryFragment<Pg> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.text);
        for value in &self.values {
            value.walk_ast(out.reborrow())?;
        }
        Ok(())
    }
}

impl QueryId for Statement<'_> {
    type QueryId = ();
    // Diesel then caches the prepared statement by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Statement<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Conn> diesel::RunQueryDsl<Conn> for Statement<'_> {}

/// The SQL type of a column that carries rows as an array of records (`SELECT array_agg(x) FROM
/// (…) x`), `ST` the rows' column types: read into `Option<Vec<tuple>>`, NULL when no rows. Only
/// a statement that answers several queries in one round trip uses it, inside the one function
/// that owns it (`models::work::find_student_work`).
pub type ArrayPart<ST> =
    diesel::sql_types::Nullable<diesel::sql_types::Array<diesel::sql_types::Record<ST>>>;

/// One bound value: its `$n` is already in the text, so only the value is passed on.
struct Value<ST, T> {
    value: T,
    sql_type: std::marker::PhantomData<fn() -> ST>,
}

impl<ST, T> QueryFragment<Pg> for Value<ST, T>
where
    T: ToSql<ST, Pg>,
    Pg: HasSqlType<ST>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param_value_only::<ST, T>(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::without_header;

    #[test]
    fn the_header_comment_is_not_sent() {
        let text =
            "-- Students of a class.\n-- $1 class id\n  -- $2 day\nSELECT $1::bigint, $2::date\n";
        assert_eq!(without_header(text), "SELECT $1::bigint, $2::date");
        assert_eq!(without_header("SELECT 1"), "SELECT 1");
    }
}
