DROP INDEX attendance_student_date_idx;
CREATE INDEX attendance_student_date_idx ON attendance (student_id, date);
