-- Each assessment's stored cells as one row of parallel arrays, ordered by student: what a
-- gradebook page reads (20 rows instead of 600 for a class of 30 with 20 assessments; that read
-- was half the database's work for the page). Kept in step with `scores` by the statement
-- triggers below, in the same transaction as every change, whoever makes it. A stamp is
-- `version * 8 + ascii(status) % 5` (see gradebook::queries::Stamp).
CREATE TABLE score_grids (
    assessment_id BIGINT PRIMARY KEY REFERENCES assessments(id) ON DELETE CASCADE,
    student_ids   BIGINT[] NOT NULL,
    scores        NUMERIC[] NOT NULL,
    stamps        BIGINT[] NOT NULL
);

-- Rebuilds the grids of `ids` from `scores`. Two saves of different cells of one assessment may
-- run at once: each locks the grid row first (in id order, so that two saves never wait for each
-- other in a circle), and only then reads the cells, in a statement of its own and so with a
-- fresh snapshot (READ COMMITTED, which Rollbook always uses): a save that had to wait for
-- the other's lock sees the other's committed cells and keeps them. (A plain UPDATE … FROM the
-- cells would wait for the row too, but then write what it had read before waiting.)
CREATE FUNCTION rollbook_refresh_score_grids(ids BIGINT[]) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- Every assessment has its row from the start (below); this only mends a missing one.
    INSERT INTO score_grids (assessment_id, student_ids, scores, stamps)
    SELECT a.id, '{}', '{}', '{}' FROM assessments a WHERE a.id = ANY (ids) ORDER BY a.id
    ON CONFLICT (assessment_id) DO NOTHING;
    PERFORM 1 FROM score_grids g WHERE g.assessment_id = ANY (ids) ORDER BY g.assessment_id FOR UPDATE;
    UPDATE score_grids g
       SET student_ids = c.student_ids, scores = c.scores, stamps = c.stamps
      FROM (SELECT x.id,
                   COALESCE(array_agg(s.student_id ORDER BY s.student_id) FILTER (WHERE s.id IS NOT NULL), '{}') AS student_ids,
                   COALESCE(array_agg(s.score ORDER BY s.student_id) FILTER (WHERE s.id IS NOT NULL), '{}') AS scores,
                   COALESCE(array_agg(s.version::int8 * 8 + ascii(s.status) % 5 ORDER BY s.student_id)
                            FILTER (WHERE s.id IS NOT NULL), '{}') AS stamps
              FROM unnest(ids) AS x(id)
              LEFT JOIN scores s ON s.assessment_id = x.id
             GROUP BY x.id) c
     WHERE g.assessment_id = c.id;
END $$;

-- One function for the three statement triggers (a trigger with transition tables may have only
-- one event). An upsert fires both the insert and the update trigger; each rebuilds only the
-- assessments whose rows it saw, and does nothing when it saw none.
CREATE FUNCTION rollbook_scores_changed() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ids BIGINT[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.assessment_id) INTO ids FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT x.assessment_id) INTO ids
          FROM (SELECT n.assessment_id FROM new_rows n UNION SELECT o.assessment_id FROM old_rows o) x;
    ELSE
        SELECT array_agg(DISTINCT o.assessment_id) INTO ids FROM old_rows o;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM rollbook_refresh_score_grids(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER scores_grid_insert AFTER INSERT ON scores
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollbook_scores_changed();
CREATE TRIGGER scores_grid_update AFTER UPDATE ON scores
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollbook_scores_changed();
CREATE TRIGGER scores_grid_delete AFTER DELETE ON scores
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollbook_scores_changed();

-- Every assessment has its grid row from the start, so that saves only ever lock existing rows
-- (two saves creating the same row would wait for each other outside the id order).
CREATE FUNCTION rollbook_assessments_added() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO score_grids (assessment_id, student_ids, scores, stamps)
    SELECT n.id, '{}', '{}', '{}' FROM new_rows n ORDER BY n.id
    ON CONFLICT (assessment_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER assessments_grid_insert AFTER INSERT ON assessments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollbook_assessments_added();

INSERT INTO score_grids (assessment_id, student_ids, scores, stamps)
SELECT a.id,
       COALESCE(array_agg(s.student_id ORDER BY s.student_id) FILTER (WHERE s.id IS NOT NULL), '{}'),
       COALESCE(array_agg(s.score ORDER BY s.student_id) FILTER (WHERE s.id IS NOT NULL), '{}'),
       COALESCE(array_agg(s.version::int8 * 8 + ascii(s.status) % 5 ORDER BY s.student_id)
                FILTER (WHERE s.id IS NOT NULL), '{}')
  FROM assessments a
  LEFT JOIN scores s ON s.assessment_id = a.id
 GROUP BY a.id;
