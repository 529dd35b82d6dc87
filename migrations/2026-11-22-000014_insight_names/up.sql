-- The at-risk list reads one table: each summary row carries the student's name, number and
-- class (as of the refresh).
ALTER TABLE student_insight
    ADD COLUMN name TEXT NOT NULL DEFAULT '',
    ADD COLUMN student_number TEXT NOT NULL DEFAULT '',
    ADD COLUMN class_id BIGINT,
    ADD COLUMN class_name TEXT,
    ADD COLUMN grade_level TEXT;
CREATE INDEX student_insight_school_name_idx ON student_insight (school_id, name);
