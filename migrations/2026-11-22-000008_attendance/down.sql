DROP TABLE attendance_changes;
DROP TABLE attendance;
DROP TABLE attendance_codes;
ALTER TABLE schools DROP COLUMN edit_window_days;
