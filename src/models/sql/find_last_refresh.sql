-- When the insight summaries were last made; NULL before the first refresh.
-- (no parameters)
SELECT (SELECT max(refreshed_at) FROM insight_refreshes) AS at
