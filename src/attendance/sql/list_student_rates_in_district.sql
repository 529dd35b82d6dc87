-- Every active student of the district with their marks counted over [from, to], their
-- unrounded attendance rate and the absence streak that reaches the end of the range (the
-- export), as list_student_rates_in_school.sql counts one school's.
-- $1 from   $2 to
WITH marks AS (
    SELECT a.student_id, a.date, ac.category
      FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
     WHERE a.date BETWEEN $1 AND $2),
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
                      WHERE e.student_id = st.id AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2)
                      ORDER BY e.starts_on DESC LIMIT 1) cur ON TRUE
 WHERE st.status = 'active'
 ORDER BY st.family_name, st.given_name, st.id
