//! Refreshes the insight summaries in one transaction with set-based SQL: each active student's
//! term-to-date attendance counts and rate, subject averages and overall average (the same
//! definitions as `domain::grades`, in SQL; a test compares the two on the demo school), negative
//! behaviour in the last 30 days and ongoing absence streak; and each school's weekly attendance
//! and marks for the trend charts. The server refreshes on a schedule (`ROLLBOOK_INSIGHT_SECS`);
//! every page that reads the summaries shows when they were made.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;

use crate::db::statement;
use crate::schema::{
    insight_refreshes, school_insight, school_subject_insight, school_week_insight,
    student_insight, student_subject_insight,
};

/// Rebuilds every summary as of `now`; returns how long it took in milliseconds.
pub fn refresh(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<i32> {
    let started = std::time::Instant::now();
    conn.transaction(|conn| {
        // One refresh at a time (a slow one and the next tick never overlap).
        statement(include_str!("sql/lock_insight_refresh.sql")).execute(conn)?;
        diesel::delete(student_subject_insight::table).execute(conn)?;
        diesel::delete(student_insight::table).execute(conn)?;
        diesel::delete(school_week_insight::table).execute(conn)?;
        diesel::delete(school_insight::table).execute(conn)?;
        diesel::delete(school_subject_insight::table).execute(conn)?;
        for text in [
            include_str!("sql/insert_student_subject_insight.sql"),
            include_str!("sql/insert_student_insight.sql"),
            include_str!("sql/insert_school_week_insight.sql"),
            include_str!("sql/insert_school_insight.sql"),
        ] {
            statement(text).bind::<Timestamptz, _>(now).execute(conn)?;
        }
        crate::models::insight::apply_thresholds(conn, None)?;
        statement(include_str!("sql/insert_school_subject_insight.sql")).execute(conn)?;
        let took = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        diesel::insert_into(insight_refreshes::table)
            .values((
                insight_refreshes::refreshed_at.eq(now),
                insight_refreshes::took_ms.eq(took),
            ))
            .execute(conn)?;
        statement(include_str!("sql/delete_old_refreshes.sql")).execute(conn)?;
        Ok(took)
    })
}
