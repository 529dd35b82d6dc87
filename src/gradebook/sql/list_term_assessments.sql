-- The assessments of class $1 and subject $2 in term $3 that are not archived, by date, each
-- with how many of its cells have something entered when $4 (else 0).
-- $1 class (classes.id)   $2 subject (subjects.id)   $3 term (terms.id)   $4 count entered cells
SELECT a.id, a.title, a.category_id, ac.name AS category, a.term_id, a.date,
       a.max_score::float8 AS max_score, a.published, a.archived, a.version,
       CASE WHEN $4::boolean THEN
           (SELECT count(*) FROM scores s WHERE s.assessment_id = a.id AND s.status <> 'blank')
       ELSE 0 END AS entered
  FROM assessments a JOIN assessment_categories ac ON ac.id = a.category_id
 WHERE a.class_id = $1::bigint AND a.subject_id = $2::bigint AND a.term_id = $3::bigint
   AND NOT a.archived
 ORDER BY a.date, a.id
