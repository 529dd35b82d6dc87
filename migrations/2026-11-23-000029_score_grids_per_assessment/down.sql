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
                         WHERE NOT EXISTS (SELECT 1 FROM new_rows n
                                            WHERE n.assessment_id = g.assessment_id AND n.student_id = o.student_id)
                        UNION ALL
                        SELECT n.student_id, n.score, n.version::int8 * 8 + ascii(n.status) % 5
                          FROM new_rows n WHERE n.assessment_id = g.assessment_id) m)
         WHERE g.assessment_id IN (SELECT n.assessment_id FROM new_rows n);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE score_grids g
           SET (student_ids, scores, stamps) = (
                SELECT COALESCE(array_agg(m.student_id ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.score ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.stamp ORDER BY m.student_id), '{}')
                  FROM (SELECT o.student_id, o.score, o.stamp
                          FROM unnest(g.student_ids, g.scores, g.stamps) AS o(student_id, score, stamp)
                         WHERE NOT EXISTS (SELECT 1 FROM old_rows r
                                            WHERE r.assessment_id = g.assessment_id AND r.student_id = o.student_id)
                           AND NOT EXISTS (SELECT 1 FROM new_rows n
                                            WHERE n.assessment_id = g.assessment_id AND n.student_id = o.student_id)
                        UNION ALL
                        SELECT n.student_id, n.score, n.version::int8 * 8 + ascii(n.status) % 5
                          FROM new_rows n WHERE n.assessment_id = g.assessment_id) m)
         WHERE g.assessment_id IN (SELECT n.assessment_id FROM new_rows n
                                   UNION SELECT r.assessment_id FROM old_rows r);
    ELSE
        UPDATE score_grids g
           SET (student_ids, scores, stamps) = (
                SELECT COALESCE(array_agg(m.student_id ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.score ORDER BY m.student_id), '{}'),
                       COALESCE(array_agg(m.stamp ORDER BY m.student_id), '{}')
                  FROM unnest(g.student_ids, g.scores, g.stamps) AS m(student_id, score, stamp)
                 WHERE NOT EXISTS (SELECT 1 FROM old_rows r
                                    WHERE r.assessment_id = g.assessment_id AND r.student_id = m.student_id))
         WHERE g.assessment_id IN (SELECT r.assessment_id FROM old_rows r);
    END IF;
    RETURN NULL;
END $$;
DROP FUNCTION rollbook_grid_merged(BIGINT[], NUMERIC[], BIGINT[], BIGINT[], BIGINT[], NUMERIC[], BIGINT[]);
