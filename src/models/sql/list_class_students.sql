-- The active students enrolled in class $1 on $2, by family name. The caller has checked that
-- the teacher teaches the class.
-- $1 class (classes.id)   $2 day
SELECT st.id, st.student_number, st.given_name, st.family_name, st.preferred_name
  FROM enrolments e JOIN students st ON st.id = e.student_id
 WHERE e.class_id = $1 AND st.status = 'active' AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2)
 ORDER BY st.family_name, st.given_name, st.id
