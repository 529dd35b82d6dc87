-- The weekly trend from the week of `since` on (weeks start on Monday), summed over the scope.
-- A row per school and week, so one statement serves a school and the district.
-- $1 school (schools.id), NULL for the district   $2 since
SELECT week, sum(attended)::bigint AS attended, sum(counted)::bigint AS counted,
       sum(score_sum)::float8 AS score_sum, sum(score_count)::bigint AS score_count
  FROM school_week_insight
 WHERE week >= date_trunc('week', $2::date)::date
   AND ($1::bigint IS NULL OR school_id = $1)
 GROUP BY week ORDER BY week
