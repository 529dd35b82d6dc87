CREATE OR REPLACE FUNCTION rollbook_scores_changed() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
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
