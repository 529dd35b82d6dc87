-- The letter bands of school $1, in no particular order (a scale sorts where it matters).
-- $1 school (schools.id)
SELECT letter, min_percent::float8 AS min_percent FROM grade_bands WHERE school_id = $1
