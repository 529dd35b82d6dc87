-- The gradebook page reads each grid's cells as one byte string, `cells`: 24 bytes a cell, in
-- student order, the student id, the stamp and the score in hundredths (i64::MIN when there is
-- none), each a big-endian int8. Sending the three arrays cost PostgreSQL a call of the element
-- type's send function for every element (1,800 for a class of 30 and 20 assessments), more
-- than the rest of the page's query, and the server as much again to read them; a byte string
-- is copied as it is. The arrays stay for SQL (the class means, the tests); the triggers keep
-- both in the same UPDATE.
ALTER TABLE score_grids ADD COLUMN cells BYTEA NOT NULL DEFAULT ''::bytea;

-- One cell's 24 bytes.
CREATE FUNCTION rollbook_grid_cell(student_id BIGINT, stamp BIGINT, score NUMERIC) RETURNS BYTEA
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT int8send($1) || int8send($2) || int8send(COALESCE(($3 * 100)::int8, -9223372036854775808))
$$;

DROP FUNCTION rollbook_grid_merged(BIGINT[], NUMERIC[], BIGINT[], BIGINT[], BIGINT[], NUMERIC[], BIGINT[]);
CREATE FUNCTION rollbook_grid_merged(
    student_ids BIGINT[], scores NUMERIC[], stamps BIGINT[],
    gone BIGINT[], new_ids BIGINT[], new_scores NUMERIC[], new_stamps BIGINT[])
RETURNS TABLE (student_ids BIGINT[], scores NUMERIC[], stamps BIGINT[], cells BYTEA)
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(array_agg(m.student_id ORDER BY m.student_id), '{}'),
           COALESCE(array_agg(m.score ORDER BY m.student_id), '{}'),
           COALESCE(array_agg(m.stamp ORDER BY m.student_id), '{}'),
           COALESCE(string_agg(rollbook_grid_cell(m.student_id, m.stamp, m.score), ''::bytea ORDER BY m.student_id), ''::bytea)
      FROM (SELECT o.student_id, o.score, o.stamp
              FROM unnest($1, $2, $3) AS o(student_id, score, stamp)
             WHERE o.student_id <> ALL ($4)
            UNION ALL
            SELECT n.student_id, n.score, n.stamp
              FROM unnest($5, $6, $7) AS n(student_id, score, stamp)) m
$$;

CREATE OR REPLACE FUNCTION rollbook_scores_changed() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE score_grids g
           SET (student_ids, scores, stamps, cells) = (
                SELECT * FROM rollbook_grid_merged(g.student_ids, g.scores, g.stamps, c.ids, c.ids, c.scores, c.stamps))
          FROM (SELECT n.assessment_id, array_agg(n.student_id) AS ids, array_agg(n.score) AS scores,
                       array_agg(n.version::int8 * 8 + ascii(n.status) % 5) AS stamps
                  FROM new_rows n GROUP BY n.assessment_id) c
         WHERE g.assessment_id = c.assessment_id;
    ELSIF TG_OP = 'UPDATE' THEN
        -- A cell leaves its old assessment's grid and joins its new one (the same one in practice).
        UPDATE score_grids g
           SET (student_ids, scores, stamps, cells) = (
                SELECT * FROM rollbook_grid_merged(g.student_ids, g.scores, g.stamps,
                                                   COALESCE(r.ids, '{}') || COALESCE(n.ids, '{}'),
                                                   COALESCE(n.ids, '{}'), COALESCE(n.scores, '{}'), COALESCE(n.stamps, '{}')))
          FROM (SELECT x.assessment_id, array_agg(x.student_id) AS ids
                  FROM old_rows x GROUP BY x.assessment_id) r
          FULL JOIN (SELECT x.assessment_id, array_agg(x.student_id) AS ids, array_agg(x.score) AS scores,
                            array_agg(x.version::int8 * 8 + ascii(x.status) % 5) AS stamps
                       FROM new_rows x GROUP BY x.assessment_id) n ON n.assessment_id = r.assessment_id
         WHERE g.assessment_id = COALESCE(n.assessment_id, r.assessment_id);
    ELSE
        UPDATE score_grids g
           SET (student_ids, scores, stamps, cells) = (
                SELECT * FROM rollbook_grid_merged(g.student_ids, g.scores, g.stamps, c.gone, '{}', '{}', '{}'))
          FROM (SELECT r.assessment_id, array_agg(r.student_id) AS gone
                  FROM old_rows r GROUP BY r.assessment_id) c
         WHERE g.assessment_id = c.assessment_id;
    END IF;
    RETURN NULL;
END $$;

-- Rebuilds grids from the cells (mends; not used by saves).
CREATE OR REPLACE FUNCTION rollbook_refresh_score_grids(ids BIGINT[]) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO score_grids (assessment_id, student_ids, scores, stamps)
    SELECT a.id, '{}', '{}', '{}' FROM assessments a WHERE a.id = ANY (ids) ORDER BY a.id
    ON CONFLICT (assessment_id) DO NOTHING;
    PERFORM 1 FROM score_grids g WHERE g.assessment_id = ANY (ids) ORDER BY g.assessment_id FOR UPDATE;
    UPDATE score_grids g
       SET (student_ids, scores, stamps, cells) = (
            SELECT * FROM rollbook_grid_merged('{}', '{}', '{}', '{}', c.student_ids, c.scores, c.stamps))
      FROM (SELECT x.id,
                   COALESCE(array_agg(s.student_id) FILTER (WHERE s.id IS NOT NULL), '{}') AS student_ids,
                   COALESCE(array_agg(s.score) FILTER (WHERE s.id IS NOT NULL), '{}') AS scores,
                   COALESCE(array_agg(s.version::int8 * 8 + ascii(s.status) % 5) FILTER (WHERE s.id IS NOT NULL), '{}') AS stamps
              FROM unnest(ids) AS x(id)
              LEFT JOIN scores s ON s.assessment_id = x.id
             GROUP BY x.id) c
     WHERE g.assessment_id = c.id;
END $$;

-- The grids as they are now.
UPDATE score_grids g
   SET cells = (SELECT m.cells FROM rollbook_grid_merged('{}', '{}', '{}', '{}', g.student_ids, g.scores, g.stamps) m)
 WHERE cardinality(g.student_ids) > 0;
