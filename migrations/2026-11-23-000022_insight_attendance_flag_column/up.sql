-- The office attendance page's condition (chronic absence below 90 %, or a streak of three or
-- more absent days; attendance::office CHRONIC_BELOW and STREAK_DAYS) kept as a column. As an OR
-- of two comparisons the planner guessed it matched a third of the rows, and when the page asked
-- for more than the partial index holds it chose to read the whole school instead; a boolean
-- column has statistics of its own.
ALTER TABLE student_insight
    ADD COLUMN attendance_flag boolean
    GENERATED ALWAYS AS (attendance_rate / 100 < 0.9 OR absence_streak >= 3) STORED;
DROP INDEX student_insight_attendance_flag_idx;
CREATE INDEX student_insight_attendance_flag_idx ON student_insight (school_id, name, student_id)
    WHERE attendance_flag;
