//! The insight summaries as other areas use them: when they were made, and their flags under
//! each school's thresholds (the dashboard's refresh and a school's settings both apply them).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamptz};

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

/// Marks each summary row at risk, a high performer and chronically absent under its school's
/// thresholds as they are now, and recounts the first two per school: every school after a
/// refresh, or one school in the same transaction as a change of its thresholds (the lists and
/// the office's attendance page then use the new thresholds at once).
pub fn apply_thresholds(conn: &mut PgConnection, school: Option<i64>) -> QueryResult<()> {
    crate::db::statement(include_str!("sql/update_insight_flags.sql"))
        .bind::<Nullable<BigInt>, _>(school)
        .execute(conn)?;
    crate::db::statement(include_str!("sql/update_school_insight_counts.sql"))
        .bind::<Nullable<BigInt>, _>(school)
        .execute(conn)?;
    Ok(())
}
