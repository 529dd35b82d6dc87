-- One student's work, in one round trip: each column is one part's rows as an array of
-- records (NULL when the part is not asked for or has no rows; order inside is not kept).
--   attendance: 1 a category's counts in the month and the year, 2 a day of the month (the
--               first class's register), 3 an absence or late arrival of the year with the
--               latest reason sent (2 and 3 only when $6); the counts are made per code from
--               the child's index entries first, and only the absences go to the table itself
--   marks:      the term's marks and weights, as list_marks_and_weights.sql gives them
--   bands:      the school's letter bands
--   records:    behaviour (1) and participation (2) from a day, as list_class_records.sql
-- $1 student (students.id)   $2 $3 the month's first and last day, NULL for no attendance
-- $4 $5 the year's first and last day   $6 the month's days and the year's absences too
-- $7 term (terms.id), NULL for no marks   $8 published marks only   $9 class averages too
-- $10 school (schools.id) whose bands, NULL for none   $11 records' first day, NULL for none
SELECT
  CASE WHEN $2::date IS NOT NULL THEN (SELECT array_agg(x) FROM (
    SELECT 1 AS part, 0::bigint AS attendance_id, $2::date AS date, '' AS label,
           ac.category, NULL::smallint AS late_minutes, '' AS note, NULL::text AS reason,
           NULL::text AS reason_status, NULL::text AS response, '' AS code,
           sum(t.in_month)::bigint AS in_month, sum(t.in_year)::bigint AS in_year
      FROM (SELECT a.code_id,
                   count(*) FILTER (WHERE a.date BETWEEN $2::date AND $3::date) AS in_month,
                   count(*) FILTER (WHERE a.date BETWEEN $4::date AND $5::date) AS in_year
              FROM attendance a
             WHERE a.student_id = $1::bigint
               AND a.date BETWEEN LEAST($2::date, $4::date) AND GREATEST($3::date, $5::date)
             GROUP BY a.code_id) t
      JOIN attendance_codes ac ON ac.id = t.code_id
     GROUP BY ac.category
    UNION ALL
    (SELECT DISTINCT ON (a.date) 2, 0, a.date, ac.label, ac.category, NULL, '', NULL, NULL, NULL,
            ac.code, 0, 0
       FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
      WHERE $6::boolean AND a.student_id = $1::bigint AND a.date BETWEEN $2::date AND $3::date
      ORDER BY a.date, a.class_id)
    UNION ALL
    SELECT 3, a.id, a.date, ac.label, ac.category, x.late_minutes, x.note, r.reason, r.status,
           r.response, ac.code, 0, 0
      FROM attendance a
      JOIN attendance_codes ac ON ac.id = a.code_id AND ac.category IN ('absent', 'late', 'excused')
      JOIN attendance x ON x.id = a.id
      LEFT JOIN LATERAL (SELECT reason, status, response FROM absence_reasons ar
                          WHERE ar.attendance_id = a.id ORDER BY ar.id DESC LIMIT 1) r ON TRUE
     WHERE $6::boolean AND a.student_id = $1::bigint
       AND a.date BETWEEN $4::date AND GREATEST($3::date, $5::date)) x) END AS attendance,
  CASE WHEN $7::bigint IS NOT NULL THEN (SELECT array_agg(x) FROM (
    WITH m AS MATERIALIZED (
        SELECT s.student_id, a.id AS assessment_id, a.title, a.category_id, a.class_id,
               a.subject_id, a.date, a.max_score::float8 AS max_score, s.status,
               s.score::float8 AS score,
               CASE WHEN $9::boolean THEN
                   (SELECT avg(c.score / a.max_score * 100)::float8
                      FROM score_grids g, unnest(g.scores, g.stamps) AS c(score, stamp)
                     WHERE g.assessment_id = a.id AND c.stamp % 8 = 0) END AS class_mean
          FROM scores s
          JOIN assessments a ON a.id = s.assessment_id
         WHERE s.student_id = $1::bigint AND s.status <> 'blank'
           AND a.term_id = $7::bigint AND NOT a.archived
           AND (a.published OR NOT $8::boolean))
    SELECT 1 AS part, m.student_id, m.assessment_id, m.title, '' AS category, m.class_id,
           m.subject_id, '' AS subject_name, m.date, m.max_score, m.status, m.score,
           m.class_mean, 0::float8 AS weight, m.category_id AS id
      FROM m
    UNION ALL
    SELECT 2, 0, 0, '', ac.name, cw.class_id, cw.subject_id, '', DATE '2000-01-01', 0, '', NULL,
           NULL, cw.weight::float8, 0
      FROM category_weights cw JOIN assessment_categories ac ON ac.id = cw.category_id
     WHERE cw.class_id IN (SELECT m.class_id FROM m)
    UNION ALL
    SELECT 3, 0, 0, '', '', 0, sub.id, sub.name, DATE '2000-01-01', 0, '', NULL, NULL, 0, 0
      FROM subjects sub WHERE sub.id IN (SELECT m.subject_id FROM m)
    UNION ALL
    SELECT 4, 0, 0, '', ac.name, 0, 0, '', DATE '2000-01-01', 0, '', NULL, NULL, 0, ac.id
      FROM assessment_categories ac WHERE ac.id IN (SELECT m.category_id FROM m)) x) END AS marks,
  CASE WHEN $10::bigint IS NOT NULL THEN (SELECT array_agg(x) FROM (
    SELECT letter, min_percent::float8 AS min_percent FROM grade_bands
     WHERE school_id = $10::bigint) x) END AS bands,
  CASE WHEN $11::date IS NOT NULL THEN (SELECT array_agg(x) FROM (
    SELECT 1 AS part, b.id, b.student_id,
           st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name) AS student_name,
           bc.name AS category, b.kind, b.date, b.note, u.display_name AS recorded_by,
           '' AS event, '' AS status, '' AS remarks
      FROM behaviour_records b
      JOIN students st ON st.id = b.student_id
      JOIN behaviour_categories bc ON bc.id = b.category_id
      LEFT JOIN users u ON u.id = b.recorded_by
     WHERE b.student_id = $1::bigint AND b.date >= $11::date
    UNION ALL
    SELECT 2, pa.id, pa.student_id,
           st.family_name || ', ' || COALESCE(st.preferred_name, st.given_name),
           '', '', pa.date, '', NULL, pa.event, pa.status, pa.remarks
      FROM participation pa JOIN students st ON st.id = pa.student_id
     WHERE pa.student_id = $1::bigint AND pa.date >= $11::date) x) END AS records
