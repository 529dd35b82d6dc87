-- The gradebook of class $1 and subject $2 if teacher $4 teaches it (a subject assignment, or
-- cover of the class on the school's today for a subject the class is taught; no row
-- otherwise), with its year's terms, the school's categories with this pair's weights, and the
-- school's grade bands highest first, each as parallel arrays.
-- $1 class (classes.id)   $2 subject (subjects.id)   $3 now (timestamptz)   $4 teacher (users.id)
WITH b AS (
    SELECT c.id AS class_id, c.name AS class_name, sub.id AS subject_id, sub.name AS subject_name,
           c.school_id, c.academic_year_id, s.missing_counts_as_zero,
           ($3::timestamptz AT TIME ZONE s.timezone)::date AS today
      FROM classes c JOIN schools s ON s.id = c.school_id
      JOIN subjects sub ON sub.id = $2::bigint AND sub.school_id = c.school_id
     WHERE c.id = $1::bigint)
SELECT b.*, t.*, cat.*, g.*
  FROM b
 CROSS JOIN LATERAL (
       SELECT coalesce(array_agg(t.id ORDER BY t.starts_on, t.id), '{}') AS term_ids,
              coalesce(array_agg(t.name ORDER BY t.starts_on, t.id), '{}') AS term_names,
              coalesce(array_agg(t.starts_on ORDER BY t.starts_on, t.id), '{}') AS term_starts,
              coalesce(array_agg(t.ends_on ORDER BY t.starts_on, t.id), '{}') AS term_ends
         FROM terms t WHERE t.academic_year_id = b.academic_year_id) t
 CROSS JOIN LATERAL (
       SELECT coalesce(array_agg(ac.id ORDER BY ac.position, ac.name), '{}') AS category_ids,
              coalesce(array_agg(ac.name ORDER BY ac.position, ac.name), '{}') AS category_names,
              coalesce(array_agg(cw.weight::float8 ORDER BY ac.position, ac.name), '{}') AS category_weights
         FROM assessment_categories ac
         LEFT JOIN category_weights cw ON cw.category_id = ac.id AND cw.class_id = b.class_id
                                      AND cw.subject_id = b.subject_id
        WHERE ac.school_id = b.school_id) cat
 CROSS JOIN LATERAL (
       SELECT coalesce(array_agg(gb.letter ORDER BY gb.min_percent DESC), '{}') AS band_letters,
              coalesce(array_agg(gb.min_percent::float8 ORDER BY gb.min_percent DESC), '{}') AS band_mins
         FROM grade_bands gb WHERE gb.school_id = b.school_id) g
 WHERE EXISTS (SELECT 1 FROM teacher_assignments ta
                WHERE ta.class_id = b.class_id AND ta.teacher_id = $4::bigint AND ta.subject_id = b.subject_id)
    OR (EXISTS (SELECT 1 FROM cover_assignments ca
                 WHERE ca.class_id = b.class_id AND ca.teacher_id = $4::bigint
                   AND ca.starts_on <= b.today AND ca.ends_on >= b.today)
        AND EXISTS (SELECT 1 FROM teacher_assignments tb
                     WHERE tb.class_id = b.class_id AND tb.subject_id = b.subject_id))
