-- Keeps the last hundred refreshes' records.
-- (no parameters)
DELETE FROM insight_refreshes WHERE id < (SELECT max(id) - 100 FROM insight_refreshes)
