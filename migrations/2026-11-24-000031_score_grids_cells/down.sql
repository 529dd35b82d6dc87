DROP TRIGGER score_grids_cells ON score_grids;
DROP FUNCTION rollbook_score_grid_cells();
DROP FUNCTION rollbook_grid_cell(BIGINT, BIGINT, NUMERIC);
ALTER TABLE score_grids DROP COLUMN cells;
