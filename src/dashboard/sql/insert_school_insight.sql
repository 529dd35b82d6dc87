-- Each school's counts (students, teachers, classes, registers expected) and averages, and
-- its classes of the year as JSON for the lists' filters; the flag counts are set after.
-- $1 now (the refresh's moment; each school's today is its local date)
WITH cur AS (
    SELECT s.id AS school_id, d.today, t.id AS term_id, t.starts_on
      FROM schools s
      CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE s.timezone)::date AS today) d
      JOIN terms t ON t.id = rollbook_current_term(s.id, d.today))
INSERT INTO school_insight (school_id, students, teachers, classes, classes_with_students, average_sum,
                            average_count, high_performers, at_risk, class_options)
SELECT s.id,
       (SELECT count(*) FROM students st WHERE st.school_id = s.id AND st.status = 'active'),
       (SELECT count(*) FROM users u WHERE u.school_id = s.id AND u.role = 'teacher' AND u.active),
       (SELECT count(*) FROM classes c JOIN academic_years y ON y.id = c.academic_year_id
         WHERE c.school_id = s.id AND cur.today BETWEEN y.starts_on AND y.ends_on),
       (SELECT count(DISTINCT e.class_id) FROM enrolments e JOIN students st ON st.id = e.student_id
         WHERE e.school_id = s.id AND st.school_id = s.id AND st.status = 'active'
           AND rollbook_enrolled_on(e.starts_on, e.ends_on, cur.today)),
       COALESCE(sum(i.overall_average), 0), count(i.overall_average),
       0, 0, -- high performers and at risk: set with the flags below
       (SELECT COALESCE(json_agg(json_build_object('id', c.id, 'name', c.name, 'grade_level', c.grade_level,
                                                   'school_name', s.name)
                                 ORDER BY c.grade_level, c.name), '[]')::text
          FROM classes c JOIN academic_years y ON y.id = c.academic_year_id
         WHERE c.school_id = s.id AND cur.today BETWEEN y.starts_on AND y.ends_on)
  FROM schools s JOIN cur ON cur.school_id = s.id
  LEFT JOIN student_insight i ON i.school_id = s.id
 GROUP BY s.id, cur.today
