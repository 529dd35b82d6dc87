-- Every class teacher $1 teaches on $2 (homeroom, subject, or cover that day), as
-- find_taught_class.sql reads one. The classes are found through the three indexed ways of
-- teaching one: an OR of the three would scan every class of the district.
-- $1 teacher (users.id)   $2 day
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
 WHERE c.id IN (SELECT hc.id FROM classes hc WHERE hc.homeroom_teacher_id = $1
                UNION SELECT ta.class_id FROM teacher_assignments ta WHERE ta.teacher_id = $1
                UNION SELECT ca.class_id FROM cover_assignments ca WHERE ca.teacher_id = $1
                        AND ca.starts_on <= $2 AND ca.ends_on >= $2)
 ORDER BY c.grade_level, c.name
