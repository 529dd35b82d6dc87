-- A school's chronically absent students, term to date, from the insight summaries (names,
-- numbers and classes as of the refresh). `attendance_flag` is rollbook_chronic under the
-- school's thresholds, kept by the refresh, and the predicate of a partial index.
-- $1 school (schools.id)
SELECT i.student_id, i.student_number, i.name, i.class_name,
       (SELECT sc.name FROM schools sc WHERE sc.id = i.school_id) AS school_name,
       i.present::bigint AS present, i.late::bigint AS late, i.absent::bigint AS absent,
       i.excused::bigint AS excused, i.attendance_rate / 100 AS rate, i.absence_streak::bigint AS streak
  FROM student_insight i
 WHERE i.school_id = $1 AND i.attendance_flag
 ORDER BY i.name, i.student_id
