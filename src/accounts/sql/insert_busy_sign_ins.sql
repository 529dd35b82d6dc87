-- Records sign-ins refused while the server was busy, one element per refusal.
-- $1 at (timestamptz[])   $2 email (text[])   $3 client address (text[])   $4 user agent (text[])
INSERT INTO login_events (at, email, ip, user_agent, outcome)
SELECT r.at, r.email, r.ip, r.user_agent, 'busy'
  FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[]) AS r(at, email, ip, user_agent)
