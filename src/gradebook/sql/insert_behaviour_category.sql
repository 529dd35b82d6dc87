-- A behaviour category of school $1 after its others, answering its id; no row when the school
-- already has one of that name. The caller holds the school's row lock.
-- $1 school (schools.id)   $2 name   $3 kind (positive or negative)
INSERT INTO behaviour_categories (school_id, name, kind, position)
SELECT $1, $2, $3, COALESCE(max(position), 0) + 1 FROM behaviour_categories WHERE school_id = $1
ON CONFLICT (school_id, name) DO NOTHING
RETURNING id
