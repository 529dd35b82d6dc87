-- Parent $1's reason for absence $2 (found by find_reason_target first); no row when a reason
-- is already waiting for the office.
-- $1 parent (users.id)   $2 attendance mark (attendance.id)   $3 reason   $4 when (timestamptz)
INSERT INTO absence_reasons (school_id, attendance_id, student_id, parent_id, reason, created_at)
SELECT a.school_id, a.id, a.student_id, $1, $3, $4
  FROM attendance a
 WHERE a.id = $2
ON CONFLICT DO NOTHING
