-- Student $2's stored cells of assessments $1, with who entered each and when.
-- $1 assessments (assessments.id[])   $2 student (students.id)
SELECT s.assessment_id, s.student_id, s.status, s.score::float8 AS score, s.version,
       u.display_name AS updated_by, s.updated_at
  FROM scores s LEFT JOIN users u ON u.id = s.updated_by
 WHERE s.assessment_id = ANY($1::bigint[]) AND s.student_id = $2::bigint
