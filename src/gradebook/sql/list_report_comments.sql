-- The report comments of students $1 in term $2, with who wrote each last.
-- $1 students (students.id[])   $2 term (terms.id)
SELECT rc.student_id, rc.comment, rc.version, u.display_name AS updated_by
  FROM report_comments rc LEFT JOIN users u ON u.id = rc.updated_by
 WHERE rc.student_id = ANY($1::bigint[]) AND rc.term_id = $2::bigint
