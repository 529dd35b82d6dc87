-- Every school of the district, by name, with its subject assignments and the covers that have
-- not ended by $1.
-- $1 today
SELECT s.id, s.name,
       (SELECT count(*) FROM teacher_assignments a WHERE a.school_id = s.id) AS assignments,
       (SELECT count(*) FROM cover_assignments v
         WHERE v.school_id = s.id AND v.ends_on >= $1::date) AS covers
  FROM schools s ORDER BY s.name, s.id
