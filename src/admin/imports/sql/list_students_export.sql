-- Students in scope for the CSV export, by school and name: the columns the import reads, their
-- class on $2 and their first two guardians (fields joined by U+001F).
-- $1 school (schools.id), NULL for the district   $2 today
SELECT st.student_number, st.given_name, st.family_name, st.preferred_name,
       to_char(st.date_of_birth, 'YYYY-MM-DD') AS date_of_birth, st.gender,
       to_char(st.enrolled_on, 'YYYY-MM-DD') AS enrolled_on, cur.name AS class,
       st.medical_notes, st.allergies, st.status, s.name AS school,
       (SELECT concat_ws(E'\x1f', g.name, g.relationship, g.phone, g.email) FROM guardians g
         WHERE g.student_id = st.id ORDER BY g.position, g.id LIMIT 1) AS g1,
       (SELECT concat_ws(E'\x1f', g.name, g.relationship, g.phone, g.email) FROM guardians g
         WHERE g.student_id = st.id ORDER BY g.position, g.id OFFSET 1 LIMIT 1) AS g2
  FROM students st JOIN schools s ON s.id = st.school_id
  LEFT JOIN LATERAL (SELECT c.name FROM enrolments e JOIN classes c ON c.id = e.class_id
      WHERE e.student_id = st.id AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2::date)
      ORDER BY e.starts_on DESC LIMIT 1) cur ON TRUE
 WHERE ($1::bigint IS NULL OR st.school_id = $1::bigint)
 ORDER BY s.name, st.family_name, st.given_name, st.id
