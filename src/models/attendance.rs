//! A student's attendance as more than one area reads it: the office's student page and the
//! parents' portal.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Timestamptz};

use crate::domain::attendance::Tally;

/// The student's school-local today and the start of the current academic year.
#[derive(Debug, Clone, QueryableByName)]
pub struct StudentCalendar {
    #[diesel(sql_type = Date)]
    pub today: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub year_start: Option<NaiveDate>,
}

pub fn find_student_calendar(
    conn: &mut PgConnection,
    student_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<StudentCalendar> {
    crate::db::statement(include_str!("sql/find_student_calendar.sql"))
        .bind::<BigInt, _>(student_id)
        .bind::<Timestamptz, _>(now)
        .get_result(conn)
}

/// The student's marks from `from` to `to` (inclusive), counted by category.
pub fn count_marks_between(
    conn: &mut PgConnection,
    student_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Tally> {
    use crate::schema::{attendance, attendance_codes};
    let rows: Vec<(String, i64)> = attendance::table
        .inner_join(attendance_codes::table)
        .filter(attendance::student_id.eq(student_id))
        .filter(attendance::date.between(from, to))
        .group_by(attendance_codes::category)
        .select((attendance_codes::category, diesel::dsl::count_star()))
        .load(conn)?;
    let mut tally = Tally::default();
    for (category, n) in rows {
        tally.set(&category, n);
    }
    Ok(tally)
}
