-- The students of a school chronically absent over [from, to] under the school's thresholds
-- (rollbook_chronic: a low rate, or a streak reaching the end of the range), counted as
-- list_student_rates_in_school.sql counts everyone; only these rows leave the database.
-- $1 school (schools.id)   $2 from   $3 to
WITH marks AS (
    SELECT a.student_id, a.date, ac.category
      FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
     WHERE a.date BETWEEN $2 AND $3 AND a.school_id = $1),
days AS (
    -- One category per student and day (the worst, if several classes took a register).
    SELECT student_id, date, bool_and(category = 'absent') AS absent
      FROM marks GROUP BY student_id, date),
streaks AS (
    SELECT student_id, count(*) AS streak FROM (
        SELECT student_id, absent,
               sum(CASE WHEN absent THEN 0 ELSE 1 END) OVER (PARTITION BY student_id ORDER BY date DESC) AS breaks
          FROM days) d
     WHERE breaks = 0 GROUP BY student_id),
counts AS (
    SELECT student_id,
           count(*) FILTER (WHERE category = 'present') AS present,
           count(*) FILTER (WHERE category = 'late') AS late,
           count(*) FILTER (WHERE category = 'absent') AS absent,
           count(*) FILTER (WHERE category = 'excused') AS excused
      FROM marks GROUP BY student_id)
SELECT st.id AS student_id, st.student_number,
       st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS name,
       sc.name AS school_name, cur.name AS class_name,
       COALESCE(c.present, 0) AS present, COALESCE(c.late, 0) AS late,
       COALESCE(c.absent, 0) AS absent, COALESCE(c.excused, 0) AS excused,
       rollbook_attendance_rate(c.present, c.late, c.absent) AS rate,
       COALESCE(s.streak, 0) AS streak
  FROM students st
  JOIN schools sc ON sc.id = st.school_id
  LEFT JOIN counts c ON c.student_id = st.id
  LEFT JOIN streaks s ON s.student_id = st.id
  LEFT JOIN LATERAL (SELECT cl.name FROM enrolments e JOIN classes cl ON cl.id = e.class_id
                      WHERE e.student_id = st.id AND rollbook_enrolled_on(e.starts_on, e.ends_on, $3)
                      ORDER BY e.starts_on DESC LIMIT 1) cur ON TRUE
 WHERE st.status = 'active'
   AND st.school_id = $1
   AND rollbook_chronic(rollbook_attendance_rate(c.present, c.late, c.absent), s.streak,
                        sc.risk_attendance_below, sc.risk_absence_streak)
 ORDER BY st.family_name, st.given_name, st.id
