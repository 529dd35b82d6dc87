-- One page of the audit trail, newest first, with who acted and how many entries match in all.
-- An office page with six optional filters: one statement with NULL-or tests, ordered by time.
-- $1 school (schools.id), NULL for the district   $2 actor name or email pattern (ILIKE)
-- $3 entity   $4 entity id   $5 from day   $6 to day (inclusive): each NULL when not filtered
-- $7 page size   $8 offset
SELECT a.id, a.at, u.display_name AS actor, a.ip, a.action, a.entity, a.entity_id, a.before, a.after,
       count(*) OVER () AS total
  FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
 WHERE ($1::bigint IS NULL OR a.school_id = $1::bigint)
   AND ($2::text IS NULL OR u.display_name ILIKE $2::text OR u.email ILIKE $2::text)
   AND ($3::text IS NULL OR a.entity = $3::text)
   AND ($4::bigint IS NULL OR a.entity_id = $4::bigint)
   AND ($5::date IS NULL OR a.at >= $5::date)
   AND ($6::date IS NULL OR a.at < $6::date + 1)
 ORDER BY a.at DESC, a.id DESC
 LIMIT $7::bigint OFFSET $8::bigint
