-- The children parent $1 may view, with their class on $2 (the latest enrolment that day) and
-- its homeroom teacher, youngest last.
-- $1 parent (users.id)   $2 day
SELECT st.id, st.given_name, st.family_name, st.preferred_name, s.name AS school_name,
       cls.name AS class_name, cls.homeroom AS homeroom_teacher, ps.relationship
  FROM parent_students ps
  JOIN students st ON st.id = ps.student_id
  JOIN schools s ON s.id = st.school_id
  LEFT JOIN LATERAL (
       SELECT c.name, h.display_name AS homeroom
         FROM enrolments e JOIN classes c ON c.id = e.class_id
         LEFT JOIN users h ON h.id = c.homeroom_teacher_id
        WHERE e.student_id = st.id AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2::date)
        ORDER BY e.starts_on DESC LIMIT 1) cls ON TRUE
 WHERE ps.parent_id = $1::bigint AND ps.may_view
 ORDER BY st.date_of_birth NULLS LAST, st.given_name, st.id
