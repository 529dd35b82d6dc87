-- Each school's headline figures in scope, by name: its local today and whether it is a school
-- day, counts and term figures from the summaries. Today's attendance is left at zero (the
-- caller counts it from the school's board). Schools are few, so one statement serves both.
-- $1 school (schools.id), NULL for the district   $2 now
SELECT s.id, s.name, d.today,
       COALESCE(si.students, 0)::bigint AS students, COALESCE(si.teachers, 0)::bigint AS teachers,
       COALESCE(si.classes, 0)::bigint AS classes,
       NOT (EXTRACT(ISODOW FROM d.today)::smallint = ANY (s.weekend_days)
            OR EXISTS (SELECT 1 FROM non_school_days n WHERE n.school_id = s.id AND d.today BETWEEN n.starts_on AND n.ends_on)) AS school_day,
       0::bigint AS attended_today, 0::bigint AS counted_today,
       COALESCE(si.classes_with_students, 0)::bigint AS registers_expected,
       0::bigint AS registers_taken,
       COALESCE(si.average_sum, 0) AS average_sum, COALESCE(si.average_count, 0)::bigint AS average_count,
       COALESCE(si.high_performers, 0)::bigint AS high_performers, COALESCE(si.at_risk, 0)::bigint AS at_risk
  FROM schools s
  CROSS JOIN LATERAL (SELECT ($2::timestamptz AT TIME ZONE s.timezone)::date AS today) d
  LEFT JOIN school_insight si ON si.school_id = s.id
 WHERE $1::bigint IS NULL OR s.id = $1
 ORDER BY s.name
