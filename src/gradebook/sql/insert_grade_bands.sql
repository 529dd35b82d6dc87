-- School $1's letter bands: $2[i] from $3[i] percent.
-- $1 school (schools.id)   $2 letters (text[])   $3 lowest percentages (float8[])
INSERT INTO grade_bands (school_id, letter, min_percent)
SELECT $1, b.letter, b.min::numeric(5,2) FROM unnest($2::text[], $3::float8[]) AS b(letter, min)
