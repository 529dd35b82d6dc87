-- A new school's letter bands: A from 90 %, B 80, C 70, D 60, F below.
-- $1 school (schools.id)
INSERT INTO grade_bands (school_id, letter, min_percent)
SELECT $1::bigint, b.letter, b.min_percent
  FROM (VALUES ('A', 90), ('B', 80), ('C', 70), ('D', 60), ('F', 0)) AS b(letter, min_percent)
