-- Student $2 if parent $1 may view them (no row otherwise), with what every page about the
-- child needs: their class today (school-local at $3) and its homeroom teacher, the school's
-- gradebook rules and current term, the start of the academic year, and the school's grade
-- bands highest first as parallel arrays.
-- $1 parent (users.id)   $2 student (students.id)   $3 now (timestamptz)
WITH s AS (
    SELECT st.id, st.given_name, st.family_name, st.preferred_name, sc.name AS school_name,
           ps.relationship, sc.id AS school_id, sc.missing_counts_as_zero,
           sc.parents_see_class_average, sc.parents_see_behaviour,
           ($3::timestamptz AT TIME ZONE sc.timezone)::date AS today
      FROM parent_students ps
      JOIN students st ON st.id = ps.student_id
      JOIN schools sc ON sc.id = st.school_id
     WHERE ps.parent_id = $1::bigint AND ps.may_view AND st.id = $2::bigint)
SELECT s.id, s.given_name, s.family_name, s.preferred_name, s.school_name,
       cls.name AS class_name, cls.homeroom AS homeroom_teacher, s.relationship,
       s.school_id, s.missing_counts_as_zero, s.parents_see_class_average,
       s.parents_see_behaviour, s.today,
       t.id AS term_id, t.name AS term_name, t.starts_on AS term_starts_on, t.ends_on AS term_ends_on,
       (SELECT y.starts_on FROM academic_years y
         WHERE y.school_id = s.school_id AND y.starts_on <= s.today AND y.ends_on >= s.today
         ORDER BY y.starts_on DESC LIMIT 1) AS year_start,
       g.band_letters, g.band_mins
  FROM s
  LEFT JOIN LATERAL (
       SELECT c.name, h.display_name AS homeroom
         FROM enrolments e JOIN classes c ON c.id = e.class_id
         LEFT JOIN users h ON h.id = c.homeroom_teacher_id
        WHERE e.student_id = s.id AND rollbook_enrolled_on(e.starts_on, e.ends_on, s.today)
        ORDER BY e.starts_on DESC LIMIT 1) cls ON TRUE
  LEFT JOIN terms t ON t.id = rollbook_current_term(s.school_id, s.today)
 CROSS JOIN LATERAL (
       SELECT coalesce(array_agg(gb.letter ORDER BY gb.min_percent DESC), '{}') AS band_letters,
              coalesce(array_agg(gb.min_percent::float8 ORDER BY gb.min_percent DESC), '{}') AS band_mins
         FROM grade_bands gb WHERE gb.school_id = s.school_id) g
