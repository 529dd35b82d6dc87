-- A school's board of registers on a day: every class of the year in session with a register
-- that day (not a weekend or a day off), how many active students are enrolled, and the day's
-- marks counted by category. The classes come first, then the day's marks are counted per class
-- and code before the codes are read (joined mark by mark, a generic plan looked up the year and
-- the code once per mark).
-- $1 school (schools.id)   $2 day
WITH cls AS MATERIALIZED (
    SELECT c.id, c.name, c.school_id, c.grade_level
      FROM classes c
      JOIN schools s ON s.id = c.school_id
      JOIN academic_years y ON y.id = c.academic_year_id AND $2 BETWEEN y.starts_on AND y.ends_on
     WHERE c.school_id = $1
       AND NOT (EXTRACT(ISODOW FROM $2::date)::smallint = ANY (s.weekend_days))
       AND NOT EXISTS (SELECT 1 FROM non_school_days n WHERE n.school_id = s.id AND $2 BETWEEN n.starts_on AND n.ends_on)),
marks AS (
    SELECT a.class_id, ac.category, sum(a.n) AS n
      FROM (SELECT a.class_id, a.code_id, count(*) AS n FROM attendance a
             WHERE a.class_id IN (SELECT cls.id FROM cls) AND a.date = $2
             GROUP BY 1, 2) a
      JOIN attendance_codes ac ON ac.id = a.code_id
     GROUP BY 1, 2)
SELECT c.id AS class_id, c.name AS class_name,
       (SELECT count(*) FROM enrolments e JOIN students st ON st.id = e.student_id
         WHERE e.class_id = c.id AND st.status = 'active'
           AND rollbook_enrolled_on(e.starts_on, e.ends_on, $2)) AS enrolled,
       COALESCE(sum(m.n) FILTER (WHERE m.category = 'present'), 0)::bigint AS present,
       COALESCE(sum(m.n) FILTER (WHERE m.category = 'late'), 0)::bigint AS late,
       COALESCE(sum(m.n) FILTER (WHERE m.category = 'absent'), 0)::bigint AS absent,
       COALESCE(sum(m.n) FILTER (WHERE m.category = 'excused'), 0)::bigint AS excused
  FROM cls c LEFT JOIN marks m ON m.class_id = c.id
 GROUP BY c.id, c.name, c.school_id, c.grade_level
 ORDER BY c.school_id, c.grade_level, c.name
