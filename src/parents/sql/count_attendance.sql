-- Student $1's attendance marks from $2 to $3, counted by category.
-- $1 student (students.id)   $2 first day   $3 last day
SELECT ac.category, count(*) AS n
  FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
 WHERE a.student_id = $1::bigint AND a.date BETWEEN $2::date AND $3::date
 GROUP BY ac.category
