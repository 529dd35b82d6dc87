-- Behaviour records over the month before $2 for school $1's current students.
-- $1 school (schools.id)   $2 today
WITH cats AS (SELECT id, kind, row_number() OVER (PARTITION BY kind ORDER BY position) AS k FROM behaviour_categories WHERE school_id = $1)
 INSERT INTO behaviour_records (school_id, student_id, class_id, category_id, kind, date, note, recorded_by, created_at)
 SELECT e.school_id, e.student_id, e.class_id, c.id, c.kind, $2::date - d.ago, d.note, cl.homeroom_teacher_id, now()
   FROM enrolments e
   JOIN students st ON st.id = e.student_id
   JOIN classes cl ON cl.id = e.class_id
   CROSS JOIN LATERAL (SELECT (substring(st.student_number from '[0-9]+$'))::int AS n) x
   JOIN LATERAL (VALUES
         -- Every fourth student is praised now and then.
         (x.n % 4 = 0, 'positive', 1, 3 + x.n % 9, 'Helped a classmate with fractions'),
         (x.n % 6 = 1, 'positive', 2, 12 + x.n % 7, 'Outstanding project work'),
         (x.n % 9 = 2, 'negative', 1, 20 + x.n % 5, 'Talking during the test'),
         -- One student in each class has had a hard month.
         (x.n % 20 = 5, 'negative', 1, 2, 'Disrupted the lesson repeatedly'),
         (x.n % 20 = 5, 'negative', 2, 9, 'Homework missing for the third time'),
         (x.n % 20 = 5, 'negative', 3, 16, 'Unkind comments to another student')
       ) AS d(pick, kind, k, ago, note) ON d.pick
   JOIN cats c ON c.kind = d.kind AND c.k = d.k
  WHERE e.school_id = $1 AND e.ends_on IS NULL
