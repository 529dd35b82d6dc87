-- The office attendance page's term lists (chronic absence below 90 %, a streak of three or more
-- absent days) read only their own summary rows. The predicate is the page's own condition
-- (attendance::office, CHRONIC_BELOW and STREAK_DAYS) so the planner can prove it.
CREATE INDEX student_insight_attendance_flag_idx ON student_insight (school_id, name, student_id)
    WHERE attendance_rate / 100 < 0.9 OR absence_streak >= 3;
