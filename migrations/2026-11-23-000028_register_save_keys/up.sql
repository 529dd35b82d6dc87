-- A register save that changes 30 marks makes PostgreSQL run 90 foreign-key checks, each a query
-- of its own that also locks the row it finds: the changed mark's code (30), and each appended
-- history row's mark (30) and author (30). On the bench district they were about a third of the
-- save's database time. Each key's promise is kept here for a fraction of that.
--
-- attendance.code_id → attendance_codes: a code is never deleted (an admin turns it off instead),
-- which the trigger below makes a rule of the database, so a mark cannot come to point at a
-- missing code; and the one statement that writes marks (the register save) refuses, whole, a
-- code that is not one of the mark's own school's codes, which is stricter than the key was.
ALTER TABLE attendance DROP CONSTRAINT attendance_code_id_fkey;

CREATE FUNCTION rollbook_codes_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rollbook: attendance codes are never deleted; turn the code off instead';
END
$$;

CREATE TRIGGER attendance_codes_kept BEFORE DELETE OR TRUNCATE ON attendance_codes
    FOR EACH STATEMENT EXECUTE FUNCTION rollbook_codes_are_kept();

-- Aborts the statement that calls it with `message`: a save's guards (a conflicting mark, a
-- code that is not the school's) undo the whole statement with it. One function for every such
-- guard; it takes the place of migration 10's rollbook_raise_conflict.
CREATE FUNCTION rollbook_raise(message text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION '%', message;
END
$$;
DROP FUNCTION rollbook_raise_conflict();

-- attendance_changes.attendance_id → attendance (ON DELETE CASCADE): history rows are appended
-- only by the register save, for the mark it has just written and still holds locked, so the
-- check could never fail; what remains of the key is that a mark's history goes with it, which a
-- statement trigger does once per deleting statement.
-- attendance_changes.changed_by → users (ON DELETE SET NULL): the author is the signed-in user
-- saving; accounts are deactivated rather than deleted, and should one be deleted the history
-- forgets who it was, as before.
ALTER TABLE attendance_changes
    DROP CONSTRAINT attendance_changes_attendance_id_fkey,
    DROP CONSTRAINT attendance_changes_changed_by_fkey;

CREATE FUNCTION rollbook_history_goes_with_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM attendance_changes h USING gone g WHERE h.attendance_id = g.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER attendance_history_goes_with_marks AFTER DELETE ON attendance
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rollbook_history_goes_with_marks();

CREATE FUNCTION rollbook_history_forgets_authors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE attendance_changes h SET changed_by = NULL FROM gone g WHERE h.changed_by = g.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER attendance_history_forgets_authors AFTER DELETE ON users
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rollbook_history_forgets_authors();
