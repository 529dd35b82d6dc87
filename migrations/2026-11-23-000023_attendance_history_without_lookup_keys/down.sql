ALTER TABLE attendance_changes
    ADD CONSTRAINT attendance_changes_school_id_fkey FOREIGN KEY (school_id) REFERENCES schools(id),
    ADD CONSTRAINT attendance_changes_from_code_id_fkey FOREIGN KEY (from_code_id) REFERENCES attendance_codes(id),
    ADD CONSTRAINT attendance_changes_to_code_id_fkey FOREIGN KEY (to_code_id) REFERENCES attendance_codes(id);
