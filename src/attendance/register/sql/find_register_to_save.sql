-- What saving class $1's register on $3 needs, in one statement (DESIGN.md §10: a register save
-- in at most 3 round trips, the session check included): the register day as
-- find_register_day.sql reads it and the school's name, repeated on each row of the roster as
-- list_register_marks.sql reads it, each student with the parents a save may email about them
-- (linked, allowed to see the child, notifications on, account active). No row when the user may
-- not take the register, or when no one is on it (find_register_day.sql then tells which).
-- $1 class (classes.id)   $2 now   $3 day   $4 teacher (users.id), NULL for the office
-- $5 the office's school (schools.id), NULL for the district
WITH d AS (
    SELECT c.id AS class_id, c.name AS class_name, c.school_id, s.edit_window_days,
           s.name AS school_name,
           ($2::timestamptz AT TIME ZONE s.timezone)::date AS today,
           (EXTRACT(ISODOW FROM $3::date)::smallint = ANY (s.weekend_days)) AS weekend,
           (SELECT n.name FROM non_school_days n
             WHERE n.school_id = s.id AND $3::date BETWEEN n.starts_on AND n.ends_on
             ORDER BY n.starts_on LIMIT 1) AS holiday,
           COALESCE((SELECT json_agg(json_build_object('id', ac.id, 'code', ac.code, 'label', ac.label,
                                                       'category', ac.category, 'teacher_usable', ac.teacher_usable)
                                     ORDER BY ac.position, ac.id)
                       FROM attendance_codes ac WHERE ac.school_id = s.id), '[]')::text AS codes_json
      FROM classes c JOIN schools s ON s.id = c.school_id
     WHERE c.id = $1::bigint
       AND ($4::bigint IS NULL OR rollbook_teaches($4::bigint, c.id, $3::date))
       AND ($5::bigint IS NULL OR c.school_id = $5::bigint))
SELECT d.*, st.id AS student_id, st.given_name, st.family_name, st.preferred_name,
       a.code_id, COALESCE(a.version, 0) AS version, a.late_minutes,
       COALESCE(a.note, '') AS note, a.source, a.updated_at,
       NULL::text AS code, NULL::text AS updated_by,
       ARRAY(SELECT u.id FROM parent_students ps JOIN users u ON u.id = ps.parent_id AND u.active
              WHERE ps.student_id = st.id AND ps.receives_notifications AND ps.may_view
              ORDER BY u.id) AS parent_ids,
       ARRAY(SELECT u.display_name FROM parent_students ps JOIN users u ON u.id = ps.parent_id AND u.active
              WHERE ps.student_id = st.id AND ps.receives_notifications AND ps.may_view
              ORDER BY u.id) AS parent_names
  FROM d
  JOIN enrolments e ON e.class_id = d.class_id
  JOIN students st ON st.id = e.student_id
  LEFT JOIN (SELECT * FROM attendance a WHERE a.class_id = $1::bigint
                AND a.date = $3::date OFFSET 0) a ON a.student_id = st.id
 WHERE st.status = 'active' AND rollbook_enrolled_on(e.starts_on, e.ends_on, $3::date)
 ORDER BY st.family_name, st.given_name, st.id
