-- User $2's email and lock, locked for update, if in scope (staff of school $1 or parents of its
-- students; everyone for the district).
-- $1 school (schools.id), NULL for the district   $2 user (users.id)
SELECT u.email, u.locked_until
  FROM users u
 WHERE u.id = $2::bigint
   AND ($1::bigint IS NULL OR u.school_id = $1::bigint OR EXISTS (
        SELECT 1 FROM parent_students ps JOIN students st ON st.id = ps.student_id
         WHERE ps.parent_id = u.id AND st.school_id = $1::bigint))
   FOR UPDATE
