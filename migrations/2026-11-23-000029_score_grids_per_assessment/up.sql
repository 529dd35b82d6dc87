-- The grids' triggers gather each statement's changed cells by assessment once, then merge each
-- assessment's own into its stored row. Migration 26 looked the changed cells up for every grid
-- it updated with a scan of the statement's whole transition table (transition tables have no
-- index), so one statement that changed cells of many assessments cost grids × cells: seeding
-- the bench district (one million scores over 40,000 assessments) ran for hours instead of a
-- minute, and a large import would have slowed the same way. Same rules as migration 26: one
-- UPDATE per statement, which, having waited for another save's lock on a grid row, merges this
-- statement's own cells into the row as that save left it.

-- A grid's cells without those of the students in `gone`, and with the cells given, by student.
CREATE FUNCTION rollbook_grid_merged(
    student_ids BIGINT[], scores NUMERIC[], stamps BIGINT[],
    gone BIGINT[], new_ids BIGINT[], new_scores NUMERIC[], new_stamps BIGINT[])
RETURNS TABLE (student_ids BIGINT[], scores NUMERIC[], stamps BIGINT[])
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(array_agg(m.student_id ORDER BY m.student_id), '{}'),
           COALESCE(array_agg(m.score ORDER BY m.student_id), '{}'),
           COALESCE(array_agg(m.stamp ORDER BY m.student_id), '{}')
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
           SET (student_ids, scores, stamps) = (
                SELECT * FROM rollbook_grid_merged(g.student_ids, g.scores, g.stamps, c.ids, c.ids, c.scores, c.stamps))
          FROM (SELECT n.assessment_id, array_agg(n.student_id) AS ids, array_agg(n.score) AS scores,
                       array_agg(n.version::int8 * 8 + ascii(n.status) % 5) AS stamps
                  FROM new_rows n GROUP BY n.assessment_id) c
         WHERE g.assessment_id = c.assessment_id;
    ELSIF TG_OP = 'UPDATE' THEN
        -- A cell leaves its old assessment's grid and joins its new one (the same one in practice).
        UPDATE score_grids g
           SET (student_ids, scores, stamps) = (
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
           SET (student_ids, scores, stamps) = (
                SELECT * FROM rollbook_grid_merged(g.student_ids, g.scores, g.stamps, c.gone, '{}', '{}', '{}'))
          FROM (SELECT r.assessment_id, array_agg(r.student_id) AS gone
                  FROM old_rows r GROUP BY r.assessment_id) c
         WHERE g.assessment_id = c.assessment_id;
    END IF;
    RETURN NULL;
END $$;
