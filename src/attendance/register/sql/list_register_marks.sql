-- Everyone enrolled (and active) in class $1 on $2, with their marks, by name. The day's marks
-- are read in one index scan and hashed (OFFSET 0 keeps that subquery whole).
-- $1 class (classes.id)   $2 day   $3 whether to name each mark's code and who set it (a
-- conflict says so; the register page shows neither)
SELECT st.id AS student_id, st.given_name, st.family_name, st.preferred_name,
       a.code_id, COALESCE(a.version, 0) AS version, a.late_minutes,
       COALESCE(a.note, '') AS note, a.source, a.updated_at,
       CASE WHEN $3::boolean THEN
           (SELECT ac.code FROM attendance_codes ac WHERE ac.id = a.code_id) END AS code,
       CASE WHEN $3::boolean THEN
           (SELECT u.display_name FROM users u WHERE u.id = a.updated_by) END AS updated_by
  FROM enrolments e
  JOIN students st ON st.id = e.student_id
  LEFT JOIN (SELECT * FROM attendance a WHERE a.class_id = $1::bigint
                AND a.date = $2::date OFFSET 0) a ON a.student_id = st.id
 WHERE e.class_id = $1::bigint AND st.status = 'active'
   AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2::date)
 ORDER BY st.family_name, st.given_name, st.id
