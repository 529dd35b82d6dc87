-- Whether teacher $1 teaches (homeroom, subject or cover) a class student $2 is enrolled in on $3.
-- $1 teacher (users.id)   $2 student (students.id)   $3 day
SELECT EXISTS (
    SELECT 1 FROM enrolments e
     WHERE e.student_id = $2 AND rollbook_enrolled_on(e.starts_on, e.ends_on, $3)
       AND rollbook_teaches($1, e.class_id, $3)) AS found
