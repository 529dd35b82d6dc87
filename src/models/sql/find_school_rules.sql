-- The gradebook rules of student $1's school, its local today at $2 and its current term then.
-- $1 student (students.id)   $2 now (timestamptz)
WITH s AS (
    SELECT sc.id AS school_id, sc.missing_counts_as_zero, sc.parents_see_class_average,
           sc.parents_see_behaviour, ($2::timestamptz AT TIME ZONE sc.timezone)::date AS today
      FROM students st JOIN schools sc ON sc.id = st.school_id
     WHERE st.id = $1)
SELECT s.*, t.id AS term_id, t.name AS term_name, t.starts_on AS term_starts_on,
       t.ends_on AS term_ends_on
  FROM s LEFT JOIN terms t ON t.id = rollbook_current_term(s.school_id, s.today)
