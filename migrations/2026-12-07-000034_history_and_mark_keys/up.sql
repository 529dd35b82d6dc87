-- Integrity lives in the schema again, whoever writes. Migrations 28 and 30 had replaced these
-- keys by statement triggers and by the register save's own checks, to spare a save its
-- per-row key checks; with them a second writer (an import, a repair by hand) could store a
-- mark with a code that does not exist, or history for a mark or cell that does not. The saves
-- keep their budgets with the keys (BENCHMARKS.md).
DROP TRIGGER attendance_history_goes_with_marks ON attendance;
DROP FUNCTION rollbook_history_goes_with_marks();
DROP TRIGGER score_history_goes_with_cells ON scores;
DROP FUNCTION rollbook_score_history_goes_with_cells();
DROP TRIGGER attendance_history_forgets_authors ON users;
DROP FUNCTION rollbook_history_forgets_authors();

ALTER TABLE attendance
    ADD CONSTRAINT attendance_code_id_fkey FOREIGN KEY (code_id) REFERENCES attendance_codes(id);
ALTER TABLE attendance_changes
    ADD CONSTRAINT attendance_changes_attendance_id_fkey
        FOREIGN KEY (attendance_id) REFERENCES attendance(id) ON DELETE CASCADE,
    ADD CONSTRAINT attendance_changes_changed_by_fkey
        FOREIGN KEY (changed_by) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE score_changes
    ADD CONSTRAINT score_changes_score_id_fkey
        FOREIGN KEY (score_id) REFERENCES scores(id) ON DELETE CASCADE,
    ADD CONSTRAINT score_changes_school_id_fkey FOREIGN KEY (school_id) REFERENCES schools(id),
    ADD CONSTRAINT score_changes_changed_by_fkey
        FOREIGN KEY (changed_by) REFERENCES users(id) ON DELETE SET NULL;
