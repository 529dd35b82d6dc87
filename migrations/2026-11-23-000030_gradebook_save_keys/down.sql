CREATE OR REPLACE FUNCTION rollbook_history_forgets_authors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE attendance_changes h SET changed_by = NULL FROM gone g WHERE h.changed_by = g.id;
    RETURN NULL;
END
$$;
DROP TRIGGER score_history_goes_with_cells ON scores;
DROP FUNCTION rollbook_score_history_goes_with_cells();
ALTER TABLE score_changes
    ADD CONSTRAINT score_changes_score_id_fkey FOREIGN KEY (score_id) REFERENCES scores(id) ON DELETE CASCADE,
    ADD CONSTRAINT score_changes_school_id_fkey FOREIGN KEY (school_id) REFERENCES schools(id),
    ADD CONSTRAINT score_changes_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES users(id) ON DELETE SET NULL;
