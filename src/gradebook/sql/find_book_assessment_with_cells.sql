-- Assessment $3 of class $1 and subject $2, archived or not, if it is in term $4 (any term
-- when NULL), with its row of score_grids (its stored cells as three arrays in student order; empty when none).
-- $1 class (classes.id)   $2 subject (subjects.id)   $3 assessment (assessments.id)
-- $4 term (terms.id) or NULL
SELECT a.id, a.title, a.category_id, ac.name AS category, a.term_id, a.date,
       a.max_score::float8 AS max_score, a.published, a.archived, a.version,
       0::int8 AS entered, COALESCE(g.student_ids, '{}') AS student_ids,
       COALESCE(g.stamps, '{}') AS stamps, COALESCE(g.scores::float8[], '{}') AS scores
  FROM assessments a JOIN assessment_categories ac ON ac.id = a.category_id
  LEFT JOIN score_grids g ON g.assessment_id = a.id
 WHERE a.id = $3::bigint AND a.class_id = $1::bigint AND a.subject_id = $2::bigint
   AND ($4::bigint IS NULL OR a.term_id = $4::bigint)
