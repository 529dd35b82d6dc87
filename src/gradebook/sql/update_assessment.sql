-- Assessment $8's fields, if it is still at version $9 (no row changes otherwise).
-- $1 title   $2 term (terms.id)   $3 category (assessment_categories.id)   $4 date
-- $5 maximum score   $6 published   $7 when (timestamptz)   $8 assessment (assessments.id)
-- $9 version seen
UPDATE assessments
   SET title = $1, term_id = $2, category_id = $3, date = $4, max_score = $5::numeric(7,2),
       published = $6, version = version + 1, updated_at = $7
 WHERE id = $8 AND version = $9
