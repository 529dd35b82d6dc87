-- For the teacher's home: per class of $1, the school-local today at $2, whether it is a school
-- day, and how many are enrolled, marked and marked absent that day.
-- $1 classes (classes.id[])   $2 now
WITH d AS (
    SELECT c.id AS class_id, ($2::timestamptz AT TIME ZONE s.timezone)::date AS today,
           s.id AS school_id, s.weekend_days
      FROM classes c JOIN schools s ON s.id = c.school_id
     WHERE c.id = ANY($1::bigint[]))
SELECT d.class_id, d.today,
       NOT (EXTRACT(ISODOW FROM d.today)::smallint = ANY (d.weekend_days)
            OR EXISTS (SELECT 1 FROM non_school_days n
                        WHERE n.school_id = d.school_id AND d.today BETWEEN n.starts_on AND n.ends_on)) AS school_day,
       (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
         WHERE e.class_id = d.class_id AND st.status = 'active'
           AND rollbook_enrolled_on(e.starts_on, e.ends_on, d.today)) AS enrolled,
       (SELECT count(*) FROM attendance a WHERE a.class_id = d.class_id AND a.date = d.today) AS marked,
       (SELECT count(*) FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
         WHERE a.class_id = d.class_id AND a.date = d.today AND ac.category = 'absent') AS absent
  FROM d
