-- A new assessment of class $2 and subject $3, answering its id.
-- $1 school (schools.id)   $2 class (classes.id)   $3 subject (subjects.id)   $4 term (terms.id)
-- $5 category (assessment_categories.id)   $6 title   $7 date   $8 maximum score
-- $9 published   $10 who (users.id)   $11 when (timestamptz)
INSERT INTO assessments (school_id, class_id, subject_id, term_id, category_id, title, date, max_score,
                         published, created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric(7,2), $9, $10, $11, $11)
RETURNING id
