-- Class $1's register day: its name and school, the school-local today at $2, whether $3 is a
-- weekend or a holiday there, and the school's codes as JSON; no row when the user may not take
-- the register. The class's id drives the plan, so the two NULL-or tests only filter one row.
-- $1 class (classes.id)   $2 now   $3 day   $4 teacher (users.id), NULL for the office
-- $5 the office's school (schools.id), NULL for the district
SELECT c.id AS class_id, c.name AS class_name, c.school_id, s.edit_window_days,
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
   AND ($5::bigint IS NULL OR c.school_id = $5::bigint)
