DROP TABLE insight_refreshes, school_week_insight, student_subject_insight, student_insight;
ALTER TABLE schools DROP COLUMN risk_attendance_below, DROP COLUMN risk_average_below, DROP COLUMN risk_negative_records,
    DROP COLUMN risk_absence_streak, DROP COLUMN high_average_from, DROP COLUMN high_attendance_from;
