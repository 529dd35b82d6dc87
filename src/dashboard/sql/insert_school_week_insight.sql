-- Each school's attendance and marks by week over the last year, for the trend charts.
-- $1 now (the refresh's moment; each school's today is its local date)
WITH cur AS (
    SELECT s.id AS school_id, d.today, t.id AS term_id, t.starts_on
      FROM schools s
      CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE s.timezone)::date AS today) d
      JOIN terms t ON t.id = rollbook_current_term(s.id, d.today)),
att AS (
    SELECT a.school_id, date_trunc('week', a.date)::date AS week,
           count(*) FILTER (WHERE ac.category IN ('present', 'late')) AS attended,
           count(*) FILTER (WHERE ac.category IN ('present', 'late', 'absent')) AS counted
      FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id JOIN cur ON cur.school_id = a.school_id
     WHERE a.date > cur.today - 371 AND a.date <= cur.today
     GROUP BY 1, 2),
marks AS (
    SELECT a.school_id, date_trunc('week', a.date)::date AS week,
           sum(s.score::float8 / a.max_score::float8 * 100) AS score_sum, count(*) AS score_count
      FROM scores s JOIN assessments a ON a.id = s.assessment_id AND NOT a.archived
      JOIN cur ON cur.school_id = a.school_id
     WHERE s.status = 'score' AND a.date > cur.today - 371 AND a.date <= cur.today
     GROUP BY 1, 2)
INSERT INTO school_week_insight (school_id, week, attended, counted, score_sum, score_count)
SELECT COALESCE(a.school_id, m.school_id), COALESCE(a.week, m.week), COALESCE(a.attended, 0), COALESCE(a.counted, 0),
       COALESCE(m.score_sum, 0), COALESCE(m.score_count, 0)
  FROM att a FULL JOIN marks m ON m.school_id = a.school_id AND m.week = a.week
