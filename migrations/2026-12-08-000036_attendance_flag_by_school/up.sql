-- The office attendance page's condition follows each school's thresholds (rollbook_chronic under
-- schools.risk_attendance_below and risk_absence_streak), not 90 % and 3 days for every school: a
-- generated column cannot read the school's row, so attendance_flag becomes a plain column that
-- the dashboard refresh writes with the other flags, and a change of a school's thresholds
-- rewrites in the same transaction (dashboard::refresh::apply_thresholds). It keeps its partial
-- index: the reason it is a column at all (migration 22).
DROP INDEX student_insight_attendance_flag_idx;
ALTER TABLE student_insight DROP COLUMN attendance_flag;
ALTER TABLE student_insight ADD COLUMN attendance_flag boolean;
UPDATE student_insight i
   SET attendance_flag = rollbook_chronic(i.attendance_rate / 100, i.absence_streak,
                                          s.risk_attendance_below, s.risk_absence_streak)
  FROM schools s
 WHERE s.id = i.school_id;
CREATE INDEX student_insight_attendance_flag_idx ON student_insight (school_id, name, student_id)
    WHERE attendance_flag;
