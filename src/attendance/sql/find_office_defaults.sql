-- The office's "today" (the local date of the first school in scope), the start of the term
-- that contains it, and that school's thresholds for chronic absence. Schools and terms are
-- few, so one statement serves a school and the district.
-- $1 school (schools.id), NULL for the district   $2 now
SELECT t.today,
       (SELECT min(te.starts_on) FROM terms te
         WHERE ($1::bigint IS NULL OR te.school_id = $1)
           AND t.today BETWEEN te.starts_on AND te.ends_on) AS term_start,
       t.below_percent, t.streak_days
  FROM (SELECT ($2::timestamptz AT TIME ZONE s.timezone)::date AS today,
               s.risk_attendance_below::float8 AS below_percent,
               s.risk_absence_streak::bigint AS streak_days
          FROM schools s
         WHERE $1::bigint IS NULL OR s.id = $1
         ORDER BY s.id LIMIT 1) t
