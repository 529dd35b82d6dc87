-- Per school in scope, by name: active students, active teachers and principals, and classes of
-- the academic year that contains $2. Schools are few: one plan serves both scopes.
-- $1 school (schools.id), NULL for the district   $2 day
SELECT s.id, s.name, ay.name AS academic_year,
       (SELECT count(*) FROM students st WHERE st.school_id = s.id AND st.status = 'active') AS students,
       (SELECT count(*) FROM users u WHERE u.school_id = s.id AND u.role = 'teacher' AND u.active) AS teachers,
       (SELECT count(*) FROM users u WHERE u.school_id = s.id AND u.role = 'principal' AND u.active) AS principals,
       (SELECT count(*) FROM classes c WHERE c.academic_year_id = ay.id) AS classes
  FROM schools s
  LEFT JOIN LATERAL (
       SELECT y.id, y.name FROM academic_years y
        WHERE y.school_id = s.id AND y.starts_on <= $2::date AND y.ends_on >= $2::date
        ORDER BY y.starts_on DESC LIMIT 1) ay ON TRUE
 WHERE ($1::bigint IS NULL OR s.id = $1::bigint)
 ORDER BY s.name
