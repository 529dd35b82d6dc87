//! Today's registers at a glance, for the teacher's home.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Timestamptz};

/// For the teacher's home: per class, how many are enrolled, marked and marked absent today.
#[derive(Debug, Clone, QueryableByName)]
pub struct RegisterStatus {
    #[diesel(sql_type = BigInt)]
    pub class_id: i64,
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = Bool)]
    pub school_day: bool,
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
    #[diesel(sql_type = BigInt)]
    pub marked: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
}

/// Today's register status (school-local today) for the given classes, in one query.
pub fn register_status(
    conn: &mut PgConnection,
    class_ids: &[i64],
    now: DateTime<Utc>,
) -> QueryResult<Vec<RegisterStatus>> {
    crate::db::statement(include_str!("sql/list_register_status.sql"))
        .bind::<Array<BigInt>, _>(class_ids.to_vec())
        .bind::<Timestamptz, _>(now)
        .load(conn)
}
