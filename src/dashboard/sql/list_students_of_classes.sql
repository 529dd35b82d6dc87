-- The summary rows of the active students enrolled on `today` in the given classes (a
-- teacher's), with their schools' thresholds, by class and name.
-- $1 classes (classes.id[])   $2 today
SELECT st.id AS student_id, st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS name,
       st.student_number, s.name AS school_name, c.id AS class_id, c.name AS class_name, c.grade_level,
       i.attendance_rate, i.overall_average, i.negative_30d, i.absence_streak,
       s.risk_attendance_below::float8 AS attendance_threshold, s.risk_average_below::float8 AS average_threshold,
       s.risk_negative_records AS negative_threshold, s.risk_absence_streak AS streak_threshold
  FROM enrolments e
  JOIN classes c ON c.id = e.class_id
  JOIN students st ON st.id = e.student_id AND st.status = 'active'
  JOIN student_insight i ON i.student_id = st.id
  JOIN schools s ON s.id = i.school_id
 WHERE e.class_id = ANY($1::bigint[]) AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2)
 ORDER BY c.name, st.family_name, st.given_name
