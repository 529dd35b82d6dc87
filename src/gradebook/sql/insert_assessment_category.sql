-- An assessment category of school $1 after its others, answering its id; no row when the
-- school already has one of that name. The caller holds the school's row lock.
-- $1 school (schools.id)   $2 name
INSERT INTO assessment_categories (school_id, name, position)
SELECT $1, $2, COALESCE(max(position), 0) + 1 FROM assessment_categories WHERE school_id = $1
ON CONFLICT (school_id, name) DO NOTHING
RETURNING id
