-- School $1's classes, newest year first, with the year's and homeroom teacher's names.
-- $1 school (schools.id)
SELECT c.id, y.name AS year_name, c.name, c.grade_level, u.display_name AS homeroom_teacher
  FROM classes c
  JOIN academic_years y ON y.id = c.academic_year_id
  LEFT JOIN users u ON u.id = c.homeroom_teacher_id
 WHERE c.school_id = $1::bigint
 ORDER BY y.starts_on DESC, c.grade_level, c.name, c.id
