-- Assessment $3 of class $1 and subject $2, archived or not, if it is in term $4 (any term
-- when NULL: the assessment's id already picks one row), with how many of its cells have
-- something entered when $5 (else 0).
-- $1 class (classes.id)   $2 subject (subjects.id)   $3 assessment (assessments.id)
-- $4 term (terms.id) or NULL   $5 count entered cells
SELECT a.id, a.title, a.category_id, ac.name AS category, a.term_id, a.date,
       a.max_score::float8 AS max_score, a.published, a.archived, a.version,
       CASE WHEN $5::boolean THEN
           (SELECT count(*) FROM scores s WHERE s.assessment_id = a.id AND s.status <> 'blank')
       ELSE 0 END AS entered
  FROM assessments a JOIN assessment_categories ac ON ac.id = a.category_id
 WHERE a.id = $3::bigint AND a.class_id = $1::bigint AND a.subject_id = $2::bigint
   AND ($4::bigint IS NULL OR a.term_id = $4::bigint)
