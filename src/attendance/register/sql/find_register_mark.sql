-- Student $3 on class $1's register on $2 (enrolled and active that day), with their mark, its
-- code and who set it; no row when they are not on it. Its own statement, not
-- list_register_marks.sql with a filter, so that its plan looks up one student.
-- $1 class (classes.id)   $2 day   $3 student (students.id)
SELECT st.id AS student_id, st.given_name, st.family_name, st.preferred_name,
       a.code_id, COALESCE(a.version, 0) AS version, a.late_minutes,
       COALESCE(a.note, '') AS note, a.source, a.updated_at,
       (SELECT ac.code FROM attendance_codes ac WHERE ac.id = a.code_id) AS code,
       (SELECT u.display_name FROM users u WHERE u.id = a.updated_by) AS updated_by
  FROM enrolments e
  JOIN students st ON st.id = e.student_id
  LEFT JOIN (SELECT * FROM attendance a WHERE a.class_id = $1::bigint
                AND a.date = $2::date OFFSET 0) a ON a.student_id = st.id
 WHERE e.class_id = $1::bigint AND st.status = 'active'
   AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2::date)
   AND st.id = $3::bigint
 ORDER BY st.family_name, st.given_name, st.id
