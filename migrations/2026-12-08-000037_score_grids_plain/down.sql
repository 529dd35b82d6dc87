-- Migration 31's byte copy of each grid, as it was.
ALTER TABLE score_grids ADD COLUMN cells BYTEA NOT NULL DEFAULT ''::bytea;

-- One cell's 24 bytes.
CREATE FUNCTION rollbook_grid_cell(student_id BIGINT, stamp BIGINT, score NUMERIC) RETURNS BYTEA
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT int8send($1) || int8send($2) || int8send(COALESCE(($3 * 100)::int8, -9223372036854775808))
$$;

-- A grid's arrays are in student order already (rollbook_grid_merged sorts them).
CREATE FUNCTION rollbook_score_grid_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.cells := (SELECT COALESCE(string_agg(rollbook_grid_cell(c.student_id, c.stamp, c.score), ''::bytea ORDER BY c.n), ''::bytea)
                    FROM unnest(NEW.student_ids, NEW.scores, NEW.stamps) WITH ORDINALITY AS c(student_id, score, stamp, n));
    RETURN NEW;
END $$;

CREATE TRIGGER score_grids_cells BEFORE INSERT OR UPDATE OF student_ids, scores, stamps ON score_grids
    FOR EACH ROW EXECUTE FUNCTION rollbook_score_grid_cells();

-- The grids as they are now.
UPDATE score_grids SET student_ids = student_ids WHERE cardinality(student_ids) > 0;
