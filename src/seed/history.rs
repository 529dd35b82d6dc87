//! The demo district's past: five weeks of registers and a term of marks and behaviour, written
//! set-based (one statement each) from `.sql` files beside this one.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::academic_year_around;

/// Weekdays from `from` to `to` inclusive.
fn weekdays(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .collect()
}

/// Five weeks of registers before `today` (today's registers are left for the teachers), with a
/// half-term holiday: most students present most days, a few often late, some chronically
/// absent, a little random absence and excused absence, and `streak_student` absent for the last
/// four school days. Set-based: one INSERT per school.
pub fn register_history(
    conn: &mut PgConnection,
    school: i64,
    today: NaiveDate,
    streak_student: i64,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Date};
    let term_start =
        NaiveDate::from_ymd_opt(academic_year_around(today).0.year(), 9, 1).expect("valid");
    let from = (today - chrono::Duration::days(42)).max(term_start);
    let yesterday = today - chrono::Duration::days(1);
    if from > yesterday {
        return Ok(());
    }
    // Half term: the last full week of October.
    let oct31 = NaiveDate::from_ymd_opt(term_start.year(), 10, 31).expect("valid");
    let mut half_term_start =
        oct31 - chrono::Duration::days(i64::from(oct31.weekday().num_days_from_monday()));
    if half_term_start + chrono::Duration::days(4) > oct31 {
        half_term_start -= chrono::Duration::days(7);
    }
    let half_term_end = half_term_start + chrono::Duration::days(4);
    diesel::insert_into(crate::schema::non_school_days::table)
        .values((
            crate::schema::non_school_days::school_id.eq(school),
            crate::schema::non_school_days::starts_on.eq(half_term_start),
            crate::schema::non_school_days::ends_on.eq(half_term_end),
            crate::schema::non_school_days::name.eq("Half term"),
        ))
        .execute(conn)?;
    let days: Vec<NaiveDate> = weekdays(from, yesterday)
        .into_iter()
        .filter(|d| *d < half_term_start || *d > half_term_end)
        .collect();
    let streak_days: Vec<NaiveDate> = days.iter().rev().take(4).copied().collect();
    crate::db::statement(include_str!("sql/insert_register_history.sql"))
        .bind::<BigInt, _>(school)
        .bind::<Array<Date>, _>(&days)
        .bind::<BigInt, _>(streak_student)
        .bind::<Array<Date>, _>(&streak_days)
        .execute(conn)
        .map(|_| ())
}

/// A term of assessments, marks and behaviour records for every class and subject of a school:
/// eight assessments per gradebook spread over the current term up to yesterday (the last two not
/// yet published, the last not yet marked), marks from each student's steady ability with some
/// excused and missing work, a few students clearly struggling, category weights for
/// mathematics, and behaviour records (one student with repeated negative ones). Set-based.
pub fn gradebook_history(
    conn: &mut PgConnection,
    school: i64,
    today: NaiveDate,
) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Date};
    crate::db::statement(include_str!("sql/insert_gradebook_history.sql"))
        .bind::<BigInt, _>(school)
        .bind::<Date, _>(today)
        .execute(conn)?;
    crate::db::statement(include_str!("sql/insert_category_weights.sql"))
        .bind::<BigInt, _>(school)
        .execute(conn)?;
    crate::db::statement(include_str!("sql/insert_behaviour_history.sql"))
        .bind::<BigInt, _>(school)
        .bind::<Date, _>(today)
        .execute(conn)?;
    crate::db::statement(include_str!("sql/insert_participation_history.sql"))
        .bind::<BigInt, _>(school)
        .bind::<Date, _>(today)
        .execute(conn)
        .map(|_| ())
}
