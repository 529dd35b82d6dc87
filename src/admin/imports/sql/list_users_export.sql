-- Users in scope (staff of school $1 or parents of its students; everyone for the district) for
-- the CSV export, by name.
-- $1 school (schools.id), NULL for the district
SELECT u.email, u.display_name, u.role, u.phone, s.name AS school, u.active
  FROM users u LEFT JOIN schools s ON s.id = u.school_id
 WHERE ($1::bigint IS NULL OR u.school_id = $1::bigint OR EXISTS (
        SELECT 1 FROM parent_students ps JOIN students st ON st.id = ps.student_id
         WHERE ps.parent_id = u.id AND st.school_id = $1::bigint))
 ORDER BY u.display_name, u.id
