-- A student's summary row with their school's thresholds, for the profile; no row before the
-- refresh has counted them.
-- $1 student (students.id)
SELECT st.id AS student_id, st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS name,
       st.student_number, s.name AS school_name, NULL::bigint AS class_id, NULL::text AS class_name,
       NULL::text AS grade_level, i.attendance_rate, i.overall_average, i.negative_30d, i.absence_streak,
       s.risk_attendance_below::float8 AS attendance_threshold, s.risk_average_below::float8 AS average_threshold,
       s.risk_negative_records AS negative_threshold, s.risk_absence_streak AS streak_threshold
  FROM student_insight i JOIN students st ON st.id = i.student_id JOIN schools s ON s.id = i.school_id
 WHERE i.student_id = $1
