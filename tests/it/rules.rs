//! Each school rule exists once in SQL (migration 35's functions) and once in `domain/`; on the
//! demo district both give the same answer for every case tried.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Nullable};

use crate::helpers::*;
use rollbook::domain::attendance::{chronic, enrolled_on, Tally};
use rollbook::domain::terms::current_term;

#[derive(QueryableByName)]
struct Enrolment {
    #[diesel(sql_type = Date)]
    starts_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    ends_on: Option<NaiveDate>,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Bool)]
    sql: bool,
}

#[actix_web::test]
async fn enrolled_on_a_day_is_one_rule() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    // Every enrolment of the demo district and some that ended, on the days around their ends.
    let rows: Vec<Enrolment> = diesel::sql_query(
        "SELECT e.starts_on, e.ends_on, d.day, rollbook_enrolled_on(e.starts_on, e.ends_on, d.day) AS sql
           FROM (SELECT starts_on, ends_on FROM enrolments
                 UNION ALL VALUES (DATE '2026-09-01', DATE '2026-10-15'), (DATE '2026-10-16', DATE '2026-10-16')) e,
                LATERAL (VALUES (e.starts_on - 1), (e.starts_on), (e.starts_on + 1),
                                (COALESCE(e.ends_on, DATE '2026-11-18') - 1),
                                (COALESCE(e.ends_on, DATE '2026-11-18')),
                                (COALESCE(e.ends_on, DATE '2026-11-18') + 1)) d(day)",
    )
    .load(&mut conn)
    .unwrap();
    assert!(rows.len() > 100, "only {} cases", rows.len());
    assert!(
        rows.iter().any(|r| r.ends_on.is_some()),
        "no ended enrolment tried"
    );
    for r in &rows {
        assert_eq!(
            r.sql,
            enrolled_on(r.starts_on, r.ends_on, r.day),
            "{:?}–{:?} on {}",
            r.starts_on,
            r.ends_on,
            r.day
        );
    }
    let ins: i64 = rows.iter().filter(|r| r.sql).count() as i64;
    assert!(ins > 0 && ins < rows.len() as i64);
}

#[derive(QueryableByName)]
struct Rate {
    #[diesel(sql_type = BigInt)]
    present: i64,
    #[diesel(sql_type = BigInt)]
    late: i64,
    #[diesel(sql_type = BigInt)]
    absent: i64,
    #[diesel(sql_type = BigInt)]
    excused: i64,
    #[diesel(sql_type = Nullable<Double>)]
    rate: Option<f64>,
    #[diesel(sql_type = BigInt)]
    streak: i64,
    #[diesel(sql_type = Double)]
    below: f64,
    #[diesel(sql_type = BigInt)]
    streak_days: i64,
    #[diesel(sql_type = Bool)]
    chronic: bool,
}

#[actix_web::test]
async fn the_attendance_rate_and_chronic_absence_are_one_rule() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    // Every student's marks, and every small tally (nothing counted included), under each school's
    // thresholds and a few others, with streaks around them.
    let rows: Vec<Rate> = diesel::sql_query(
        "WITH tallies AS (
             SELECT count(*) FILTER (WHERE c.category = 'present') AS present,
                    count(*) FILTER (WHERE c.category = 'late') AS late,
                    count(*) FILTER (WHERE c.category = 'absent') AS absent,
                    count(*) FILTER (WHERE c.category = 'excused') AS excused
               FROM attendance a JOIN attendance_codes c ON c.id = a.code_id
              GROUP BY a.student_id
             UNION ALL
             SELECT p, l, a, e FROM generate_series(0, 5) p, generate_series(0, 2) l,
                                    generate_series(0, 5) a, generate_series(0, 1) e),
         thresholds AS (
             SELECT risk_attendance_below AS below, risk_absence_streak::bigint AS streak_days FROM schools
             UNION VALUES (95.5::numeric, 1::bigint), (100, 60), (0, 5))
         SELECT t.present, t.late, t.absent, t.excused,
                rollbook_attendance_rate(t.present, t.late, t.absent) AS rate,
                s.streak, h.below::float8 AS below, h.streak_days,
                rollbook_chronic(rollbook_attendance_rate(t.present, t.late, t.absent), s.streak, h.below, h.streak_days) AS chronic
           FROM tallies t CROSS JOIN thresholds h CROSS JOIN (VALUES (0::bigint), (2), (3), (5)) s(streak)",
    )
    .load(&mut conn)
    .unwrap();
    assert!(rows.len() > 1000, "only {} cases", rows.len());
    for r in &rows {
        let tally = Tally {
            present: r.present,
            late: r.late,
            absent: r.absent,
            excused: r.excused,
        };
        assert_eq!(r.rate, tally.rate(), "rate of {tally:?}");
        assert_eq!(
            r.chronic,
            chronic(tally.rate(), r.streak, r.below, r.streak_days),
            "{tally:?}, streak {}, below {} %, {} days",
            r.streak,
            r.below,
            r.streak_days
        );
    }
    assert!(rows.iter().any(|r| r.chronic) && rows.iter().any(|r| !r.chronic));
}

#[derive(QueryableByName)]
struct TermCase {
    #[diesel(sql_type = BigInt)]
    school_id: i64,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Nullable<BigInt>)]
    sql: Option<i64>,
}

#[actix_web::test]
async fn the_current_term_is_one_rule() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn();
    let terms: Vec<(i64, i64, NaiveDate)> = rollbook::schema::terms::table
        .select((
            rollbook::schema::terms::school_id,
            rollbook::schema::terms::id,
            rollbook::schema::terms::starts_on,
        ))
        .load(&mut conn)
        .unwrap();
    // Each school on the days around each of its terms' first and last days.
    let cases: Vec<TermCase> = diesel::sql_query(
        "SELECT t.school_id, d.day, rollbook_current_term(t.school_id, d.day) AS sql
           FROM terms t, LATERAL (VALUES (t.starts_on - 1), (t.starts_on), (t.ends_on), (t.ends_on + 1),
                                         (t.starts_on - 400)) d(day)",
    )
    .load(&mut conn)
    .unwrap();
    assert!(cases.len() >= 10, "only {} cases", cases.len());
    for c in &cases {
        let mine: Vec<&(i64, i64, NaiveDate)> =
            terms.iter().filter(|t| t.0 == c.school_id).collect();
        let starts: Vec<NaiveDate> = mine.iter().map(|t| t.2).collect();
        let domain = current_term(&starts, c.day).map(|i| mine[i].1);
        assert_eq!(c.sql, domain, "school {} on {}", c.school_id, c.day);
    }
}
