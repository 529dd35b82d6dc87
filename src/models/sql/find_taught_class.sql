-- One class, if teacher $1 teaches it on $2: its name, school, homeroom teacher, the subjects
-- this teacher teaches it, how many active students are enrolled that day, and the last day of
-- this teacher's cover when covering.
-- $1 teacher (users.id)   $2 day   $3 class (classes.id)
SELECT c.id, c.name, c.grade_level, s.name AS school_name, h.display_name AS homeroom_teacher,
       COALESCE((SELECT string_agg(sub.name, ', ' ORDER BY sub.name)
                   FROM teacher_assignments ta JOIN subjects sub ON sub.id = ta.subject_id
                  WHERE ta.class_id = c.id AND ta.teacher_id = $1), '') AS my_subjects,
       (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
         WHERE e.class_id = c.id AND st.status = 'active'
           AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2)) AS student_count,
       (SELECT max(ca.ends_on) FROM cover_assignments ca
         WHERE ca.class_id = c.id AND ca.teacher_id = $1
           AND ca.starts_on <= $2 AND ca.ends_on >= $2) AS covering_until
  FROM classes c
  JOIN schools s ON s.id = c.school_id
  LEFT JOIN users h ON h.id = c.homeroom_teacher_id
 WHERE c.id = $3 AND rollbook_teaches($1, c.id, $2)
