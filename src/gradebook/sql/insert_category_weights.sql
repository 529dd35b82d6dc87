-- Class $2 and subject $3's weights ($4[i] weighs $5[i]), for categories of school $1 only.
-- $1 school (schools.id)   $2 class (classes.id)   $3 subject (subjects.id)
-- $4 categories (assessment_categories.id[])   $5 weights (float8[])
INSERT INTO category_weights (school_id, class_id, subject_id, category_id, weight)
SELECT $1, $2, $3, w.category_id, w.weight::numeric(6,2)
  FROM unnest($4::bigint[], $5::float8[]) AS w(category_id, weight)
  JOIN assessment_categories ac ON ac.id = w.category_id AND ac.school_id = $1
