-- Who last entered each of the cells ($1[i], $2[i]) and when, for conflict messages.
-- $1 assessments (assessments.id[])   $2 students (students.id[]), pairwise
SELECT s.assessment_id, s.student_id, u.display_name AS name, s.updated_at
  FROM unnest($1::bigint[], $2::bigint[]) AS c(assessment_id, student_id)
  JOIN scores s USING (assessment_id, student_id) LEFT JOIN users u ON u.id = s.updated_by
