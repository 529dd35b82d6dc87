-- A science fair two weeks before $2 for a third of school $1's students.
-- $1 school (schools.id)   $2 today
INSERT INTO participation (school_id, student_id, class_id, event, date, status, remarks, recorded_by, created_at)
 SELECT e.school_id, e.student_id, e.class_id, 'Autumn science fair', $2::date - 14,
        CASE WHEN st.id % 7 = 0 THEN 'winner' ELSE 'participated' END, '', cl.homeroom_teacher_id, now()
   FROM enrolments e JOIN students st ON st.id = e.student_id JOIN classes cl ON cl.id = e.class_id
  WHERE e.school_id = $1 AND e.ends_on IS NULL AND st.id % 3 = 0
