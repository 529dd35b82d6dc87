ALTER TABLE score_changes
    DROP CONSTRAINT score_changes_score_id_fkey,
    DROP CONSTRAINT score_changes_school_id_fkey,
    DROP CONSTRAINT score_changes_changed_by_fkey;
ALTER TABLE attendance_changes
    DROP CONSTRAINT attendance_changes_attendance_id_fkey,
    DROP CONSTRAINT attendance_changes_changed_by_fkey;
ALTER TABLE attendance DROP CONSTRAINT attendance_code_id_fkey;

CREATE FUNCTION rollbook_history_forgets_authors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE attendance_changes h SET changed_by = NULL FROM gone g WHERE h.changed_by = g.id;
    UPDATE score_changes h SET changed_by = NULL FROM gone g WHERE h.changed_by = g.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER attendance_history_forgets_authors AFTER DELETE ON users
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rollbook_history_forgets_authors();

CREATE FUNCTION rollbook_score_history_goes_with_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM score_changes h USING gone g WHERE h.score_id = g.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER score_history_goes_with_cells AFTER DELETE ON scores
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rollbook_score_history_goes_with_cells();

CREATE FUNCTION rollbook_history_goes_with_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM attendance_changes h USING gone g WHERE h.attendance_id = g.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER attendance_history_goes_with_marks AFTER DELETE ON attendance
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rollbook_history_goes_with_marks();
