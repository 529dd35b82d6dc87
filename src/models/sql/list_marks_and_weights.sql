-- The marks of students $1 in term $2 (published ones only when $3; $4 adds each assessment's
-- class average), and the category weights of every class they were set in, in four parts:
-- 1 a mark (its category's id in `id`), 2 a weight (its class, subject and category in the
-- mark's columns), 3 a subject's name, 4 a category's name (id in `id`). Archived assessments
-- never count. The names come once each in parts of their own: joined to the marks, a generic
-- plan guessed two marks and scanned every subject and category against them.
-- $1 students (students.id[])   $2 term (terms.id)   $3 published only   $4 class averages too
WITH m AS MATERIALIZED (
    SELECT s.student_id, a.id AS assessment_id, a.title, a.category_id, a.class_id, a.subject_id,
           a.date, a.max_score::float8 AS max_score, s.status, s.score::float8 AS score,
           CASE WHEN $4::boolean THEN
               (SELECT avg(c.score / a.max_score * 100)::float8
                  FROM score_grids g, unnest(g.scores, g.stamps) AS c(score, stamp)
                 WHERE g.assessment_id = a.id AND c.stamp % 8 = 0) END AS class_mean
      FROM scores s
      JOIN assessments a ON a.id = s.assessment_id
     WHERE s.student_id = ANY($1::bigint[]) AND s.status <> 'blank'
       AND a.term_id = $2::bigint AND NOT a.archived
       AND (a.published OR NOT $3::boolean))
SELECT 1 AS part, m.student_id, m.assessment_id, m.title, '' AS category, m.class_id,
       m.subject_id, '' AS subject_name, m.date, m.max_score, m.status, m.score,
       m.class_mean, 0::float8 AS weight, m.category_id AS id
  FROM m
UNION ALL
SELECT 2, 0, 0, '', ac.name, cw.class_id, cw.subject_id, '', DATE '2000-01-01', 0, '', NULL, NULL,
       cw.weight::float8, 0
  FROM category_weights cw JOIN assessment_categories ac ON ac.id = cw.category_id
 WHERE cw.class_id IN (SELECT m.class_id FROM m)
UNION ALL
SELECT 3, 0, 0, '', '', 0, sub.id, sub.name, DATE '2000-01-01', 0, '', NULL, NULL, 0, 0
  FROM subjects sub WHERE sub.id IN (SELECT m.subject_id FROM m)
UNION ALL
SELECT 4, 0, 0, '', ac.name, 0, 0, '', DATE '2000-01-01', 0, '', NULL, NULL, 0, ac.id
  FROM assessment_categories ac WHERE ac.id IN (SELECT m.category_id FROM m)
