ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
DROP INDEX login_events_email_idx;
