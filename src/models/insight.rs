//! Reads of the insight summaries that pages outside the dashboard show: when they were made.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz};

#[derive(QueryableByName)]
struct LastRefresh {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    at: Option<DateTime<Utc>>,
}

/// When the summaries were last made, if ever.
pub fn find_last_refresh(conn: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    let row: LastRefresh =
        crate::db::statement(include_str!("sql/find_last_refresh.sql")).get_result(conn)?;
    Ok(row.at)
}
