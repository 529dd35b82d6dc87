DELETE FROM login_events WHERE outcome IN ('reset_requested', 'reset_throttled', 'password_set');
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'bad_credentials', 'busy', 'throttled', 'unlocked'));
DROP TABLE password_tokens;
DROP TABLE outbox_emails;
