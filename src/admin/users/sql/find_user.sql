-- User $2 as the office sees them, if in scope (staff of school $1 or parents of its students;
-- everyone for the district).
-- $1 school (schools.id), NULL for the district   $2 user (users.id)
SELECT u.id, u.display_name, u.email, u.role, u.school_id, s.name AS school_name, u.phone,
       u.active, u.password_hash IS NULL AS invited, u.locked_until, u.last_login_at, u.updated_at
  FROM users u LEFT JOIN schools s ON s.id = u.school_id
 WHERE u.id = $2::bigint
   AND ($1::bigint IS NULL OR u.school_id = $1::bigint OR EXISTS (
        SELECT 1 FROM parent_students ps JOIN students st ON st.id = ps.student_id
         WHERE ps.parent_id = u.id AND st.school_id = $1::bigint))
