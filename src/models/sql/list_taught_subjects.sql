-- The subjects teacher $2 teaches class $1 on $3 (a subject assignment, or cover of the class
-- that day for a subject the class is taught), by name: the class page's gradebook links.
-- $1 class (classes.id)   $2 teacher (users.id)   $3 day
SELECT sub.id, sub.name
  FROM subjects sub JOIN classes c ON c.id = $1::bigint
 WHERE sub.school_id = c.school_id
   AND (EXISTS (SELECT 1 FROM teacher_assignments ta
                 WHERE ta.class_id = c.id AND ta.teacher_id = $2::bigint AND ta.subject_id = sub.id)
        OR (EXISTS (SELECT 1 FROM cover_assignments ca
                     WHERE ca.class_id = c.id AND ca.teacher_id = $2::bigint
                       AND ca.starts_on <= $3::date AND ca.ends_on >= $3::date)
            AND EXISTS (SELECT 1 FROM teacher_assignments tb
                         WHERE tb.class_id = c.id AND tb.subject_id = sub.id)))
 ORDER BY sub.name
