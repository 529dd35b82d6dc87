DROP TRIGGER assessments_grid_insert ON assessments;
DROP FUNCTION rollbook_assessments_added();
DROP TRIGGER scores_grid_insert ON scores;
DROP TRIGGER scores_grid_update ON scores;
DROP TRIGGER scores_grid_delete ON scores;
DROP FUNCTION rollbook_scores_changed();
DROP FUNCTION rollbook_refresh_score_grids(BIGINT[]);
DROP TABLE score_grids;
