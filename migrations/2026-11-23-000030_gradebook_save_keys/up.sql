-- A column save of 30 cells made PostgreSQL run 90 foreign-key checks for the history it appends,
-- each a query of its own that also locks the row it finds (the cell, the school and the author:
-- the same school and author rows for every save of a school, so concurrent saves also queue on
-- the shared locks). On the bench district the checks were about two thirds of the history
-- insert's database time. As migration 28 did for the register's history, each key's promise
-- is kept here once per statement instead of once per row.
--
-- score_changes.score_id → scores (ON DELETE CASCADE): history rows are appended only by the
-- gradebook save, for the cell it has just written and still holds locked, so the check could
-- never fail; what remains of the key is that a cell's history goes with it (below).
-- score_changes.school_id → schools: the school is the cell's own, and a school's cells (hence
-- their history) are gone before the school can be.
-- score_changes.changed_by → users (ON DELETE SET NULL): the author is the signed-in user saving;
-- accounts are deactivated rather than deleted, and should one be deleted the history forgets
-- who it was, as before.
ALTER TABLE score_changes
    DROP CONSTRAINT score_changes_score_id_fkey,
    DROP CONSTRAINT score_changes_school_id_fkey,
    DROP CONSTRAINT score_changes_changed_by_fkey;

CREATE FUNCTION rollbook_score_history_goes_with_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM score_changes h USING gone g WHERE h.score_id = g.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER score_history_goes_with_cells AFTER DELETE ON scores
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rollbook_score_history_goes_with_cells();

-- Migration 28's trigger on users now forgets a deleted author in both histories.
CREATE OR REPLACE FUNCTION rollbook_history_forgets_authors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE attendance_changes h SET changed_by = NULL FROM gone g WHERE h.changed_by = g.id;
    UPDATE score_changes h SET changed_by = NULL FROM gone g WHERE h.changed_by = g.id;
    RETURN NULL;
END
$$;
