-- Every school of the district, by name, with how many classes it has.
SELECT s.id, s.name, count(c.id) AS classes
  FROM schools s LEFT JOIN classes c ON c.school_id = s.id
 GROUP BY s.id ORDER BY s.name, s.id
