-- Accounts in scope (staff of school $1 or parents of its students; everyone for the district)
-- whose lock has not ended at $2, latest lock first. Few accounts are locked: the lock drives
-- the plan, so one plan serves both scopes.
-- $1 school (schools.id), NULL for the district   $2 now
SELECT u.id, u.display_name, u.email, u.role, u.locked_until, u.failed_logins::bigint AS failed_logins
  FROM users u
 WHERE u.locked_until > $2::timestamptz
   AND ($1::bigint IS NULL OR u.school_id = $1::bigint OR EXISTS (
        SELECT 1 FROM parent_students ps JOIN students st ON st.id = ps.student_id
         WHERE ps.parent_id = u.id AND st.school_id = $1::bigint))
 ORDER BY u.locked_until DESC, u.id
