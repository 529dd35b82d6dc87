-- When the summaries were made, and each school's classes of the year in scope as the refresh
-- listed them (JSON), by school name; one row with no classes before the first refresh.
-- $1 school (schools.id), NULL for the district
SELECT r.at AS refreshed_at, si.class_options
  FROM (SELECT max(refreshed_at) AS at FROM insight_refreshes) r
  LEFT JOIN (school_insight si JOIN schools s ON s.id = si.school_id)
         ON $1::bigint IS NULL OR si.school_id = $1
 ORDER BY s.name, s.id
