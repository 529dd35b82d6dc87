-- Students $1's attendance marks from $2 to $3, counted by category per student.
-- $1 students (students.id[])   $2 first day   $3 last day
SELECT a.student_id,
       count(*) FILTER (WHERE ac.category = 'present') AS present,
       count(*) FILTER (WHERE ac.category = 'late') AS late,
       count(*) FILTER (WHERE ac.category = 'absent') AS absent,
       count(*) FILTER (WHERE ac.category = 'excused') AS excused
  FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
 WHERE a.student_id = ANY($1::bigint[]) AND a.date BETWEEN $2::date AND $3::date
 GROUP BY a.student_id
