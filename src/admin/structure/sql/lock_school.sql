-- Serialises structure changes within school $1 until the transaction ends.
-- $1 school (schools.id, as int)
SELECT pg_advisory_xact_lock(7262100, $1::int)
