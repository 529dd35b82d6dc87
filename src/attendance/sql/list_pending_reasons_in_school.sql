-- The parents' reasons for absences waiting for a school's office, oldest first.
-- $1 school (schools.id)
SELECT r.id, st.given_name || ' ' || st.family_name AS student, u.display_name AS parent, a.date,
       r.reason, ac.label AS mark
  FROM absence_reasons r
  JOIN attendance a ON a.id = r.attendance_id
  JOIN attendance_codes ac ON ac.id = a.code_id
  JOIN students st ON st.id = r.student_id
  JOIN users u ON u.id = r.parent_id
 WHERE r.status = 'pending' AND r.school_id = $1
 ORDER BY r.created_at
