DROP INDEX student_insight_school_name_idx;
ALTER TABLE student_insight DROP COLUMN name, DROP COLUMN student_number, DROP COLUMN class_id, DROP COLUMN class_name, DROP COLUMN grade_level;
