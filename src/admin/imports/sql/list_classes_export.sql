-- Classes in scope for the CSV export, by school, newest year, grade and name, with their
-- homeroom teacher and how many active students are enrolled on $2.
-- $1 school (schools.id), NULL for the district   $2 today
SELECT s.name AS school, y.name AS year, c.name, c.grade_level, h.display_name AS homeroom,
       (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
         WHERE e.class_id = c.id AND st.status = 'active'
           AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2::date)) AS students
  FROM classes c JOIN schools s ON s.id = c.school_id JOIN academic_years y ON y.id = c.academic_year_id
  LEFT JOIN users h ON h.id = c.homeroom_teacher_id
 WHERE ($1::bigint IS NULL OR c.school_id = $1::bigint)
 ORDER BY s.name, y.starts_on DESC, c.grade_level, c.name
