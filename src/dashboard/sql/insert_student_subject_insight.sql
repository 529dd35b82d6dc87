-- Each active student's average per subject this term, as domain::grades computes it: the
-- category weights of the class of their latest work in the subject, else the plain mean.
-- $1 now (the refresh's moment; each school's today is its local date)
WITH cur AS (
    SELECT s.id AS school_id, d.today, t.id AS term_id, t.starts_on
      FROM schools s
      CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE s.timezone)::date AS today) d
      JOIN terms t ON t.id = rollbook_current_term(s.id, d.today)),
sc AS (
    SELECT s.student_id, a.subject_id, a.class_id, a.date, a.id AS assessment_id, a.category_id, a.school_id,
           CASE WHEN s.status = 'score' THEN s.score::float8 / a.max_score::float8 * 100
                WHEN s.status = 'missing' AND sch.missing_counts_as_zero THEN 0.0 END AS pct
      FROM scores s
      JOIN assessments a ON a.id = s.assessment_id AND NOT a.archived
      JOIN cur ON cur.school_id = a.school_id AND cur.term_id = a.term_id
      JOIN schools sch ON sch.id = a.school_id
     WHERE s.status <> 'blank'),
-- The weights are those of the class of the student's latest work in the subject.
pick AS (
    SELECT DISTINCT ON (student_id, subject_id) student_id, subject_id, class_id, school_id
      FROM sc ORDER BY student_id, subject_id, date DESC, assessment_id DESC),
weighted AS (SELECT DISTINCT class_id, subject_id FROM category_weights),
plain AS (
    SELECT student_id, subject_id, avg(pct) AS average FROM sc WHERE pct IS NOT NULL GROUP BY 1, 2),
cat AS (
    SELECT student_id, subject_id, category_id, avg(pct) AS mean FROM sc WHERE pct IS NOT NULL GROUP BY 1, 2, 3),
by_weight AS (
    SELECT c.student_id, c.subject_id, sum(c.mean * w.weight::float8) / sum(w.weight::float8) AS average
      FROM cat c JOIN pick p USING (student_id, subject_id)
      JOIN category_weights w ON w.class_id = p.class_id AND w.subject_id = p.subject_id AND w.category_id = c.category_id
     GROUP BY 1, 2)
INSERT INTO student_subject_insight (student_id, subject_id, school_id, average)
SELECT p.student_id, p.subject_id, p.school_id,
       CASE WHEN w.class_id IS NOT NULL THEN bw.average ELSE pl.average END
  FROM pick p
  JOIN students st ON st.id = p.student_id AND st.status = 'active'
  LEFT JOIN weighted w ON w.class_id = p.class_id AND w.subject_id = p.subject_id
  LEFT JOIN by_weight bw ON bw.student_id = p.student_id AND bw.subject_id = p.subject_id
  LEFT JOIN plain pl ON pl.student_id = p.student_id AND pl.subject_id = p.subject_id
