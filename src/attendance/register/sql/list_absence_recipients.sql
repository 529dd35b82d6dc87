-- The parents told about the absences of students $1 (linked, allowed to see the child, with
-- notifications on, their account active), with what their emails say about the child and school.
-- $1 students (students.id[])   $2 school (schools.id)
SELECT st.id AS student_id, u.id AS parent_id, COALESCE(st.preferred_name, st.given_name) AS child,
       u.display_name AS parent_name, sc.name AS school_name
  FROM students st
  JOIN parent_students ps ON ps.student_id = st.id AND ps.receives_notifications AND ps.may_view
  JOIN users u ON u.id = ps.parent_id AND u.active
  JOIN schools sc ON sc.id = $2::bigint
 WHERE st.id = ANY($1::bigint[])
