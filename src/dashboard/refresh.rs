//! Refreshes the insight summaries in one transaction with set-based SQL: each active student's
//! term-to-date attendance counts and rate, subject averages and overall average (the same
//! definitions as `domain::grades`, in SQL; a test compares the two on the demo school), negative
//! behaviour in the last 30 days and ongoing absence streak; and each school's weekly attendance
//! and marks for the trend charts. The server refreshes on a schedule (`ROLLBOOK_INSIGHT_SECS`);
//! every page that reads the summaries shows when they were made.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Timestamptz};

/// The schools' school-local today and current term (the one containing today, else the latest
/// started), as a CTE named `cur`.
pub const CURRENT_TERM: &str = "cur AS (
    SELECT s.id AS school_id, d.today, t.id AS term_id, t.starts_on
      FROM schools s
      CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE s.timezone)::date AS today) d
      JOIN LATERAL (SELECT t.id, t.starts_on FROM terms t WHERE t.school_id = s.id AND t.starts_on <= d.today
                     ORDER BY t.starts_on DESC LIMIT 1) t ON TRUE)";

/// Rebuilds every summary as of `now`; returns how long it took in milliseconds.
pub fn refresh(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<i32> {
    let started = std::time::Instant::now();
    conn.transaction(|conn| {
        // One refresh at a time (a slow one and the next tick never overlap).
        diesel::sql_query("SELECT pg_advisory_xact_lock(72616375)").execute(conn)?;
        diesel::sql_query("DELETE FROM student_subject_insight").execute(conn)?;
        diesel::sql_query("DELETE FROM student_insight").execute(conn)?;
        diesel::sql_query("DELETE FROM school_week_insight").execute(conn)?;
        diesel::sql_query("DELETE FROM school_insight").execute(conn)?;
        diesel::sql_query("DELETE FROM school_subject_insight").execute(conn)?;
        diesel::sql_query(format!(
            "WITH {CURRENT_TERM},
             sc AS (
                 SELECT s.student_id, a.subject_id, a.class_id, a.date, a.id AS assessment_id, a.category_id, a.school_id,
                        CASE WHEN s.status = 'score' THEN s.score::float8 / a.max_score::float8 * 100
                             WHEN s.status = 'missing' AND sch.missing_counts_as_zero THEN 0.0 END AS pct
                   FROM scores s
                   JOIN assessments a ON a.id = s.assessment_id AND NOT a.archived
                   JOIN cur ON cur.school_id = a.school_id AND cur.term_id = a.term_id
                   JOIN schools sch ON sch.id = a.school_id
                  WHERE s.status <> 'blank'),
             -- The weights are those of the class of the student's latest work in the subject.
             pick AS (
                 SELECT DISTINCT ON (student_id, subject_id) student_id, subject_id, class_id, school_id
                   FROM sc ORDER BY student_id, subject_id, date DESC, assessment_id DESC),
             weighted AS (SELECT DISTINCT class_id, subject_id FROM category_weights),
             plain AS (
                 SELECT student_id, subject_id, avg(pct) AS average FROM sc WHERE pct IS NOT NULL GROUP BY 1, 2),
             cat AS (
                 SELECT student_id, subject_id, category_id, avg(pct) AS mean FROM sc WHERE pct IS NOT NULL GROUP BY 1, 2, 3),
             by_weight AS (
                 SELECT c.student_id, c.subject_id, sum(c.mean * w.weight::float8) / sum(w.weight::float8) AS average
                   FROM cat c JOIN pick p USING (student_id, subject_id)
                   JOIN category_weights w ON w.class_id = p.class_id AND w.subject_id = p.subject_id AND w.category_id = c.category_id
                  GROUP BY 1, 2)
             INSERT INTO student_subject_insight (student_id, subject_id, school_id, average)
             SELECT p.student_id, p.subject_id, p.school_id,
                    CASE WHEN w.class_id IS NOT NULL THEN bw.average ELSE pl.average END
               FROM pick p
               JOIN students st ON st.id = p.student_id AND st.status = 'active'
               LEFT JOIN weighted w ON w.class_id = p.class_id AND w.subject_id = p.subject_id
               LEFT JOIN by_weight bw ON bw.student_id = p.student_id AND bw.subject_id = p.subject_id
               LEFT JOIN plain pl ON pl.student_id = p.student_id AND pl.subject_id = p.subject_id"
        ))
        .bind::<Timestamptz, _>(now)
        .execute(conn)?;
        diesel::sql_query(format!(
            "WITH {CURRENT_TERM},
             marks AS (
                 SELECT a.student_id, a.date, ac.category
                   FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
                   JOIN cur ON cur.school_id = a.school_id
                  WHERE a.date BETWEEN cur.starts_on AND cur.today),
             counts AS (
                 SELECT student_id,
                        count(*) FILTER (WHERE category = 'present') AS present,
                        count(*) FILTER (WHERE category = 'late') AS late,
                        count(*) FILTER (WHERE category = 'absent') AS absent,
                        count(*) FILTER (WHERE category = 'excused') AS excused
                   FROM marks GROUP BY student_id),
             -- The ongoing streak: the last school days with a register, all absent, counted back
             -- from today (any register that was not absent ends it).
             days AS (
                 SELECT a.student_id, a.date, bool_and(ac.category = 'absent') AS absent
                   FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
                   JOIN cur ON cur.school_id = a.school_id
                  WHERE a.date BETWEEN cur.today - 90 AND cur.today
                  GROUP BY 1, 2),
             streaks AS (
                 SELECT student_id, count(*) AS streak FROM (
                     SELECT student_id, sum(CASE WHEN absent THEN 0 ELSE 1 END) OVER (PARTITION BY student_id ORDER BY date DESC) AS breaks
                       FROM days) d
                  WHERE breaks = 0 GROUP BY student_id),
             negative AS (
                 SELECT b.student_id, count(*) AS n FROM behaviour_records b JOIN cur ON cur.school_id = b.school_id
                  WHERE b.kind = 'negative' AND b.date > cur.today - 30 AND b.date <= cur.today GROUP BY 1),
             overall AS (SELECT student_id, avg(average) AS average FROM student_subject_insight WHERE average IS NOT NULL GROUP BY 1)
             INSERT INTO student_insight (student_id, school_id, term_id, present, late, absent, excused, attendance_rate,
                                          overall_average, negative_30d, absence_streak, name, student_number,
                                          class_id, class_name, grade_level)
             SELECT st.id, st.school_id, cur.term_id, COALESCE(c.present, 0), COALESCE(c.late, 0), COALESCE(c.absent, 0), COALESCE(c.excused, 0),
                    (c.present + c.late)::float8 / NULLIF(c.present + c.late + c.absent, 0) * 100,
                    o.average, COALESCE(n.n, 0), COALESCE(sk.streak, 0),
                    st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name), st.student_number,
                    cl.id, cl.name, cl.grade_level
               FROM students st JOIN cur ON cur.school_id = st.school_id
               LEFT JOIN LATERAL (SELECT c.id, c.name, c.grade_level FROM enrolments e JOIN classes c ON c.id = e.class_id
                                   WHERE e.student_id = st.id AND e.starts_on <= cur.today
                                     AND (e.ends_on IS NULL OR e.ends_on >= cur.today)
                                   ORDER BY e.starts_on DESC, e.id DESC LIMIT 1) cl ON TRUE
               LEFT JOIN counts c ON c.student_id = st.id
               LEFT JOIN overall o ON o.student_id = st.id
               LEFT JOIN negative n ON n.student_id = st.id
               LEFT JOIN streaks sk ON sk.student_id = st.id
              WHERE st.status = 'active'"
        ))
        .bind::<Timestamptz, _>(now)
        .execute(conn)?;
        diesel::sql_query(format!(
            "WITH {CURRENT_TERM},
             att AS (
                 SELECT a.school_id, date_trunc('week', a.date)::date AS week,
                        count(*) FILTER (WHERE ac.category IN ('present', 'late')) AS attended,
                        count(*) FILTER (WHERE ac.category IN ('present', 'late', 'absent')) AS counted
                   FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id JOIN cur ON cur.school_id = a.school_id
                  WHERE a.date > cur.today - 371 AND a.date <= cur.today
                  GROUP BY 1, 2),
             marks AS (
                 SELECT a.school_id, date_trunc('week', a.date)::date AS week,
                        sum(s.score::float8 / a.max_score::float8 * 100) AS score_sum, count(*) AS score_count
                   FROM scores s JOIN assessments a ON a.id = s.assessment_id AND NOT a.archived
                   JOIN cur ON cur.school_id = a.school_id
                  WHERE s.status = 'score' AND a.date > cur.today - 371 AND a.date <= cur.today
                  GROUP BY 1, 2)
             INSERT INTO school_week_insight (school_id, week, attended, counted, score_sum, score_count)
             SELECT COALESCE(a.school_id, m.school_id), COALESCE(a.week, m.week), COALESCE(a.attended, 0), COALESCE(a.counted, 0),
                    COALESCE(m.score_sum, 0), COALESCE(m.score_count, 0)
               FROM att a FULL JOIN marks m ON m.school_id = a.school_id AND m.week = a.week"
        ))
        .bind::<Timestamptz, _>(now)
        .execute(conn)?;
        diesel::sql_query(format!(
            "WITH {CURRENT_TERM}
             INSERT INTO school_insight (school_id, students, teachers, classes, classes_with_students, average_sum,
                                         average_count, high_performers, at_risk, class_options)
             SELECT s.id,
                    (SELECT count(*) FROM students st WHERE st.school_id = s.id AND st.status = 'active'),
                    (SELECT count(*) FROM users u WHERE u.school_id = s.id AND u.role = 'teacher' AND u.active),
                    (SELECT count(*) FROM classes c JOIN academic_years y ON y.id = c.academic_year_id
                      WHERE c.school_id = s.id AND cur.today BETWEEN y.starts_on AND y.ends_on),
                    (SELECT count(DISTINCT e.class_id) FROM enrolments e JOIN students st ON st.id = e.student_id
                      WHERE e.school_id = s.id AND st.school_id = s.id AND st.status = 'active'
                        AND e.starts_on <= cur.today AND (e.ends_on IS NULL OR e.ends_on >= cur.today)),
                    COALESCE(sum(i.overall_average), 0), count(i.overall_average),
                    0, 0, -- high performers and at risk: set with the flags below
                    (SELECT COALESCE(json_agg(json_build_object('id', c.id, 'name', c.name, 'grade_level', c.grade_level,
                                                                'school_name', s.name)
                                              ORDER BY c.grade_level, c.name), '[]')::text
                       FROM classes c JOIN academic_years y ON y.id = c.academic_year_id
                      WHERE c.school_id = s.id AND cur.today BETWEEN y.starts_on AND y.ends_on)
               FROM schools s JOIN cur ON cur.school_id = s.id
               LEFT JOIN student_insight i ON i.school_id = s.id
              GROUP BY s.id, cur.today"
        ))
        .bind::<Timestamptz, _>(now)
        .execute(conn)?;
        apply_thresholds(conn, None)?;
        diesel::sql_query(
            "INSERT INTO school_subject_insight (school_id, subject, letter, band_min, students, average_sum)
             SELECT si.school_id, sub.name, g.letter, g.min_percent::float8, count(*), sum(si.average)
               FROM student_subject_insight si JOIN subjects sub ON sub.id = si.subject_id
               JOIN LATERAL (SELECT gb.letter, gb.min_percent FROM grade_bands gb
                              WHERE gb.school_id = si.school_id AND si.average >= gb.min_percent
                              ORDER BY gb.min_percent DESC LIMIT 1) g ON TRUE
              WHERE si.average IS NOT NULL
              GROUP BY si.school_id, sub.name, g.letter, g.min_percent",
        )
        .execute(conn)?;
        let took = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        diesel::sql_query("INSERT INTO insight_refreshes (refreshed_at, took_ms) VALUES ($1, $2)")
            .bind::<Timestamptz, _>(now)
            .bind::<Integer, _>(took)
            .execute(conn)?;
        diesel::sql_query("DELETE FROM insight_refreshes WHERE id < (SELECT max(id) - 100 FROM insight_refreshes)")
            .execute(conn)?;
        Ok(took)
    })
}

/// Marks each summary row at risk or a high performer under its school's thresholds as they are
/// now, and recounts both per school: every school after a refresh, or one school in the same
/// transaction as a change of its thresholds (the lists then use the new thresholds at once).
pub fn apply_thresholds(conn: &mut PgConnection, school: Option<i64>) -> QueryResult<()> {
    use crate::dashboard::queries::{AT_RISK, HIGH_PERFORMER};
    diesel::sql_query(format!(
        "UPDATE student_insight i
            SET at_risk = COALESCE({AT_RISK}, FALSE), high_performer = COALESCE({HIGH_PERFORMER}, FALSE)
           FROM schools s
          WHERE s.id = i.school_id AND ($1::bigint IS NULL OR i.school_id = $1)
            AND (i.at_risk, i.high_performer)
                IS DISTINCT FROM (COALESCE({AT_RISK}, FALSE), COALESCE({HIGH_PERFORMER}, FALSE))"
    ))
    .bind::<Nullable<BigInt>, _>(school)
    .execute(conn)?;
    diesel::sql_query(
        "UPDATE school_insight si
            SET at_risk = (SELECT count(*) FROM student_insight i WHERE i.school_id = si.school_id AND i.at_risk),
                high_performers = (SELECT count(*) FROM student_insight i WHERE i.school_id = si.school_id AND i.high_performer)
          WHERE $1::bigint IS NULL OR si.school_id = $1",
    )
    .bind::<Nullable<BigInt>, _>(school)
    .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct LastRefresh {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    at: Option<DateTime<Utc>>,
}

/// When the summaries were last made, if ever (prepared once per connection: pages that show
/// the summaries' age ask on every request).
pub fn last_refresh(conn: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    let row: LastRefresh = crate::db::cached(
        &[],
        "SELECT (SELECT max(refreshed_at) FROM insight_refreshes) AS at",
    )
    .get_result(conn)?;
    Ok(row.at)
}
