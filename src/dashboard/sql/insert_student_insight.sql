-- Each active student's term to date: attendance counted by category and its rate, overall
-- average, negative behaviour in the last 30 days, ongoing absence streak, and their name and
-- class as of today (the lists read them from here). The flags are set by update_insight_flags.sql.
-- $1 now (the refresh's moment; each school's today is its local date)
WITH cur AS (
    SELECT s.id AS school_id, d.today, t.id AS term_id, t.starts_on
      FROM schools s
      CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE s.timezone)::date AS today) d
      JOIN terms t ON t.id = rollbook_current_term(s.id, d.today)),
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
       rollbook_attendance_rate(c.present, c.late, c.absent) * 100,
       o.average, COALESCE(n.n, 0), COALESCE(sk.streak, 0),
       st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name), st.student_number,
       cl.id, cl.name, cl.grade_level
  FROM students st JOIN cur ON cur.school_id = st.school_id
  LEFT JOIN LATERAL (SELECT c.id, c.name, c.grade_level FROM enrolments e JOIN classes c ON c.id = e.class_id
                      WHERE e.student_id = st.id AND rollbook_enrolled_on(e.starts_on, e.ends_on, cur.today)
                      ORDER BY e.starts_on DESC, e.id DESC LIMIT 1) cl ON TRUE
  LEFT JOIN counts c ON c.student_id = st.id
  LEFT JOIN overall o ON o.student_id = st.id
  LEFT JOIN negative n ON n.student_id = st.id
  LEFT JOIN streaks sk ON sk.student_id = st.id
 WHERE st.status = 'active'
