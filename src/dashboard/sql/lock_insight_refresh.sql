-- Waits for any other refresh of the summaries to end (held until the transaction ends), so a
-- slow refresh and the next tick never overlap.
-- (no parameters)
SELECT pg_advisory_xact_lock(72616375)
