-- The failed sign-ins the throttle counts: for email $1 since its last success or unlock (and
-- not before $3), for client address $2 since $3; and the account's lock.
-- $1 email   $2 client address (NULL when unknown)   $3 start of the window
WITH since AS (
    SELECT GREATEST($3::timestamptz,
           COALESCE((SELECT max(at) FROM login_events
                      WHERE email = $1::text AND outcome IN ('success', 'unlocked')), '-infinity')) AS at)
SELECT (SELECT count(*) FROM login_events
         WHERE email = $1::text AND outcome = 'bad_credentials' AND at > (SELECT at FROM since)) AS email_failures,
       (SELECT max(at) FROM login_events
         WHERE email = $1::text AND outcome = 'bad_credentials' AND at > (SELECT at FROM since)) AS last_email_failure,
       (SELECT count(*) FROM login_events
         WHERE ip = $2::text AND outcome = 'bad_credentials' AND at > $3::timestamptz) AS address_failures,
       (SELECT min(at) FROM login_events
         WHERE ip = $2::text AND outcome = 'bad_credentials' AND at > $3::timestamptz) AS oldest_address_failure,
       (SELECT locked_until FROM users WHERE email = $1::text) AS locked_until
