DROP INDEX IF EXISTS absence_reasons_attendance_idx;
