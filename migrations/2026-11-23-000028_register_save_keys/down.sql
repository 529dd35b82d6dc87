DROP TRIGGER attendance_history_forgets_authors ON users;
DROP FUNCTION rollbook_history_forgets_authors();
DROP TRIGGER attendance_history_goes_with_marks ON attendance;
DROP FUNCTION rollbook_history_goes_with_marks();
ALTER TABLE attendance_changes
    ADD CONSTRAINT attendance_changes_attendance_id_fkey FOREIGN KEY (attendance_id) REFERENCES attendance(id) ON DELETE CASCADE,
    ADD CONSTRAINT attendance_changes_changed_by_fkey FOREIGN KEY (changed_by) REFERENCES users(id) ON DELETE SET NULL;
CREATE FUNCTION rollbook_raise_conflict() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'rollbook: conflicting mark';
END
$$;
DROP FUNCTION rollbook_raise(text);
DROP TRIGGER attendance_codes_kept ON attendance_codes;
DROP FUNCTION rollbook_codes_are_kept();
ALTER TABLE attendance ADD CONSTRAINT attendance_code_id_fkey FOREIGN KEY (code_id) REFERENCES attendance_codes(id);
