-- The behaviour (part 1) and participation (part 2) records of class $1 from $2, in no
-- particular order; each part fills its own columns and leaves the other's blank.
-- $1 class (classes.id)   $2 first day
SELECT 1 AS part, b.id, b.student_id,
       st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS student_name,
       bc.name AS category, b.kind, b.date, b.note, u.display_name AS recorded_by,
       '' AS event, '' AS status, '' AS remarks
  FROM behaviour_records b
  JOIN students st ON st.id = b.student_id
  JOIN behaviour_categories bc ON bc.id = b.category_id
  LEFT JOIN users u ON u.id = b.recorded_by
 WHERE b.class_id = $1 AND b.date >= $2::date
UNION ALL
SELECT 2, pa.id, pa.student_id,
       st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name),
       '', '', pa.date, '', NULL, pa.event, pa.status, pa.remarks
  FROM participation pa JOIN students st ON st.id = pa.student_id
 WHERE pa.class_id = $1 AND pa.date >= $2::date
