-- A parent's reason still waiting, locked for the decision, with the mark it explains and the
-- school's first Excused code (NULL when it has none). One row by its key, so the school check
-- may be optional.
-- $1 reason (absence_reasons.id)   $2 school (schools.id), NULL for an admin
SELECT a.school_id, a.class_id, a.date, a.student_id, a.version, a.note,
       (SELECT ac.id FROM attendance_codes ac WHERE ac.school_id = a.school_id AND ac.category = 'excused'
         ORDER BY ac.position LIMIT 1) AS excused_code
  FROM absence_reasons r JOIN attendance a ON a.id = r.attendance_id
 WHERE r.id = $1 AND r.status = 'pending' AND ($2::bigint IS NULL OR r.school_id = $2)
   FOR UPDATE OF r
