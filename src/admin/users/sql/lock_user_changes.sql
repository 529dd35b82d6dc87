-- Serialises changes to users until the transaction ends (the last active admin is kept).
SELECT pg_advisory_xact_lock(72616375)
