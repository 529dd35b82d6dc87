-- The grids' triggers gather each statement's changed cells by assessment once, then merge each
-- assessment's own into its stored row. Migration 26 looked the changed cells up for every grid
-- it updated with a scan of the statement's whole transition table (transition tables have no
-- index), so one statement that changed cells of many assessments cost grids × cells: seeding
-- the bench district (one million scores over 40,000 assessments) ran for hours instead of a
-- minute, and a large import would have slowed the same way. Same rules as migration 26: one
-- UPDATE per statement, which, having waited for another save's lock on a grid row, merges this
-- statement's own cells into the row as that save left it.
CREATE OR REPLACE FUNCTION rollbook_scores_changed() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE score_grids g
           SET (student_ids, scores, stamps) = (
                SELECT COALESCE(array_agg(m.student_id ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.score ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.stamp ORDER BY m.student_id), '{}')
                  FROM (SELECT o.student_id, o.score, o.stamp
                          FROM unnest(g.student_ids, g.scores, g.stamps) AS o(student_id, score, stamp)
                         WHERE o.student_id <> ALL (c.ids)
                        UNION ALL
                        SELECT * FROM unnest(c.ids, c.scores, c.stamps)) m)
          FROM (SELECT n.assessment_id, array_agg(n.student_id) AS ids,
                       array_agg(n.score) AS scores, array_agg(n.version::int8 * 8 + ascii(n.status) % 5) AS stamps
                  FROM new_rows n GROUP BY n.assessment_id) c
         WHERE g.assessment_id = c.assessment_id;
    ELSIF TG_OP = 'UPDATE' THEN
        -- A cell leaves its old assessment's grid and joins its new one (the same one in practice).
        UPDATE score_grids g
           SET (student_ids, scores, stamps) = (
                SELECT COALESCE(array_agg(m.student_id ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.score ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.stamp ORDER BY m.student_id), '{}')
                  FROM (SELECT o.student_id, o.score, o.stamp
                          FROM unnest(g.student_ids, g.scores, g.stamps) AS o(student_id, score, stamp)
                         WHERE o.student_id <> ALL (c.gone)
                        UNION ALL
                        SELECT * FROM unnest(c.ids, c.scores, c.stamps)) m)
          FROM (SELECT COALESCE(n.assessment_id, r.assessment_id) AS assessment_id,
                       COALESCE(r.ids, '{}') || COALESCE(n.ids, '{}') AS gone,
                       COALESCE(n.ids, '{}') AS ids, COALESCE(n.scores, '{}') AS scores,
                       COALESCE(n.stamps, '{}') AS stamps
                  FROM (SELECT x.assessment_id, array_agg(x.student_id) AS ids
                          FROM old_rows x GROUP BY x.assessment_id) r
                  FULL JOIN (SELECT x.assessment_id, array_agg(x.student_id) AS ids, array_agg(x.score) AS scores,
                                    array_agg(x.version::int8 * 8 + ascii(x.status) % 5) AS stamps
                               FROM new_rows x GROUP BY x.assessment_id) n
                    ON n.assessment_id = r.assessment_id) c
         WHERE g.assessment_id = c.assessment_id;
    ELSE
        UPDATE score_grids g
           SET (student_ids, scores, stamps) = (
                SELECT COALESCE(array_agg(m.student_id ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.score ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.stamp ORDER BY m.student_id), '{}')
                  FROM unnest(g.student_ids, g.scores, g.stamps) AS m(student_id, score, stamp)
                 WHERE m.student_id <> ALL (c.gone))
          FROM (SELECT r.assessment_id, array_agg(r.student_id) AS gone
                  FROM old_rows r GROUP BY r.assessment_id) c
         WHERE g.assessment_id = c.assessment_id;
    END IF;
    RETURN NULL;
END $$;
