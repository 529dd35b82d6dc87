-- Student $1's school-local today at $2 and the start of the academic year containing it.
-- $1 student (students.id)   $2 now
SELECT t.today,
       (SELECT y.starts_on FROM academic_years y
         WHERE y.school_id = t.school_id AND y.starts_on <= t.today AND y.ends_on >= t.today
         ORDER BY y.starts_on DESC LIMIT 1) AS year_start
  FROM (SELECT s.id AS school_id, ($2::timestamptz AT TIME ZONE s.timezone)::date AS today
          FROM students st JOIN schools s ON s.id = st.school_id WHERE st.id = $1::bigint) t
