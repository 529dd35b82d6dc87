-- Sign-in throttling reads recent failures per email and per client address.
CREATE INDEX login_events_email_idx ON login_events (email, at DESC);
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'bad_credentials', 'busy', 'throttled', 'unlocked'));
