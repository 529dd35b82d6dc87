ALTER TABLE attendance ADD CONSTRAINT attendance_student_id_class_id_date_key UNIQUE (student_id, class_id, date);
CREATE INDEX attendance_student_date_idx ON attendance (student_id, date) INCLUDE (code_id, class_id, id);
DROP INDEX attendance_student_date_class_key;
