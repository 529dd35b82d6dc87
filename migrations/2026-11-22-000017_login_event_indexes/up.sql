-- The sign-in throttle counts failures per address and per email: a school behind one NAT
-- address makes thousands of successful sign-ins an hour, and the count must not read them.
CREATE INDEX login_events_ip_failures_idx ON login_events (ip, at) WHERE outcome = 'bad_credentials';
CREATE INDEX login_events_email_failures_idx ON login_events (email, at) WHERE outcome = 'bad_credentials';
CREATE INDEX login_events_email_successes_idx ON login_events (email, at) WHERE outcome IN ('success', 'unlocked');
