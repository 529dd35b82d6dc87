-- What saving assessment $5's column needs, in one statement: the gradebook of class $1 and
-- subject $2 if teacher $4 teaches it (as find_book_with_settings.sql decides), the assessment
-- if it belongs to that gradebook, and the ids of the active students on its term's roster
-- (enrolled on the school's today, within the term). No row otherwise.
-- $1 class (classes.id)   $2 subject (subjects.id)   $3 now (timestamptz)   $4 teacher (users.id)
-- $5 assessment (assessments.id)
WITH b AS (
    SELECT c.id AS class_id, c.name AS class_name, sub.id AS subject_id, sub.name AS subject_name,
           c.school_id, c.academic_year_id, s.missing_counts_as_zero,
           ($3::timestamptz AT TIME ZONE s.timezone)::date AS today
      FROM classes c JOIN schools s ON s.id = c.school_id
      JOIN subjects sub ON sub.id = $2::bigint AND sub.school_id = c.school_id
     WHERE c.id = $1::bigint)
SELECT b.*, a.id, a.title, a.category_id, ac.name AS category, a.term_id, a.date,
       a.max_score::float8 AS max_score, a.published, a.archived, a.version, 0::bigint AS entered,
       ARRAY(SELECT e.student_id FROM enrolments e JOIN students st ON st.id = e.student_id
              WHERE e.class_id = b.class_id AND st.status = 'active'
                AND rollbook_enrolled_on(e.starts_on, e.ends_on,
                                         LEAST(GREATEST(b.today, t.starts_on), t.ends_on))) AS roster
  FROM b
  JOIN assessments a ON a.id = $5::bigint AND a.class_id = b.class_id AND a.subject_id = b.subject_id
  JOIN assessment_categories ac ON ac.id = a.category_id
  JOIN terms t ON t.id = a.term_id AND t.academic_year_id = b.academic_year_id
 WHERE EXISTS (SELECT 1 FROM teacher_assignments ta
                WHERE ta.class_id = b.class_id AND ta.teacher_id = $4::bigint AND ta.subject_id = b.subject_id)
    OR (EXISTS (SELECT 1 FROM cover_assignments ca
                 WHERE ca.class_id = b.class_id AND ca.teacher_id = $4::bigint
                   AND ca.starts_on <= b.today AND ca.ends_on >= b.today)
        AND EXISTS (SELECT 1 FROM teacher_assignments tb
                     WHERE tb.class_id = b.class_id AND tb.subject_id = b.subject_id))
