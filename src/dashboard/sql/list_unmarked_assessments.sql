-- A teacher's assessments of their class-and-subject pairs dated in the 120 days up to today,
-- with how many marks are entered and how many students are enrolled today. Each of the
-- teacher's classes is counted once, not once per assessment set in it.
-- $1 teacher (users.id)   $2 today
WITH mine AS MATERIALIZED (
    SELECT c.id, c.name,
           (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id AND st.status = 'active'
             WHERE e.class_id = c.id AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2)) AS enrolled
      FROM classes c
     WHERE c.id IN (SELECT ta.class_id FROM teacher_assignments ta WHERE ta.teacher_id = $1))
SELECT a.id AS assessment_id, a.title, a.date, m.id AS class_id, m.name AS class_name,
       sub.id AS subject_id, sub.name AS subject_name,
       (SELECT count(*) FROM scores s WHERE s.assessment_id = a.id AND s.status <> 'blank') AS entered,
       m.enrolled
  FROM teacher_assignments ta
  JOIN assessments a ON a.class_id = ta.class_id AND a.subject_id = ta.subject_id AND NOT a.archived
  JOIN mine m ON m.id = a.class_id JOIN subjects sub ON sub.id = a.subject_id
 WHERE ta.teacher_id = $1 AND a.date <= $2 AND a.date > $2 - 120
 ORDER BY a.date, a.id
