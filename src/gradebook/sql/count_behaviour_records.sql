-- Students $1's positive and negative behaviour records from $2 to $3, per student.
-- $1 students (students.id[])   $2 first day   $3 last day
SELECT student_id, count(*) FILTER (WHERE kind = 'positive') AS positive,
       count(*) FILTER (WHERE kind = 'negative') AS negative
  FROM behaviour_records WHERE student_id = ANY($1::bigint[]) AND date BETWEEN $2::date AND $3::date
 GROUP BY student_id
