DROP INDEX student_insight_attendance_flag_idx;
ALTER TABLE student_insight DROP COLUMN attendance_flag;
ALTER TABLE student_insight
    ADD COLUMN attendance_flag boolean
    GENERATED ALWAYS AS (attendance_rate / 100 < 0.9 OR absence_streak >= 3) STORED;
CREATE INDEX student_insight_attendance_flag_idx ON student_insight (school_id, name, student_id)
    WHERE attendance_flag;
