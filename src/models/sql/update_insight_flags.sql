-- Marks each summary row at risk, a high performer and chronically absent (attendance_flag,
-- rollbook_chronic) under its school's thresholds as they are now; a row whose flags are
-- unchanged is not written. At risk: attendance or average below the school's thresholds, its
-- count of negative records in 30 days, or its absence streak (unrounded values compared).
-- $1 school (schools.id), NULL for every school (after a refresh)
UPDATE student_insight i
   SET at_risk = COALESCE((i.attendance_rate < s.risk_attendance_below::float8
                           OR i.overall_average < s.risk_average_below::float8
                           OR i.negative_30d >= s.risk_negative_records
                           OR i.absence_streak >= s.risk_absence_streak), FALSE),
       high_performer = COALESCE((i.overall_average >= s.high_average_from::float8
                                  AND i.attendance_rate >= s.high_attendance_from::float8), FALSE),
       attendance_flag = rollbook_chronic(i.attendance_rate / 100, i.absence_streak,
                                          s.risk_attendance_below, s.risk_absence_streak)
  FROM schools s
 WHERE s.id = i.school_id AND ($1::bigint IS NULL OR i.school_id = $1)
   AND (i.at_risk, i.high_performer, i.attendance_flag)
       IS DISTINCT FROM (COALESCE((i.attendance_rate < s.risk_attendance_below::float8
                                   OR i.overall_average < s.risk_average_below::float8
                                   OR i.negative_30d >= s.risk_negative_records
                                   OR i.absence_streak >= s.risk_absence_streak), FALSE),
                         COALESCE((i.overall_average >= s.high_average_from::float8
                                   AND i.attendance_rate >= s.high_attendance_from::float8), FALSE),
                         rollbook_chronic(i.attendance_rate / 100, i.absence_streak,
                                          s.risk_attendance_below, s.risk_absence_streak))
