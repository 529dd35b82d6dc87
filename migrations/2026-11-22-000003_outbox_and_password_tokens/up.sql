-- A durable outbox: emails are written in the transaction of the change that causes them and sent
-- later by the server's mail worker, with retries and back-off.
CREATE TABLE outbox_emails (
    id               BIGSERIAL PRIMARY KEY,
    created_at       TIMESTAMPTZ NOT NULL,
    school_id        BIGINT REFERENCES schools(id) ON DELETE SET NULL,
    kind             TEXT NOT NULL,
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT,
    sent_at          TIMESTAMPTZ,
    -- Set when at most one email of a kind may exist (e.g. one absence notice per child per day).
    dedupe_key       TEXT UNIQUE
);
CREATE INDEX outbox_emails_due_idx ON outbox_emails (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_emails_created_idx ON outbox_emails (created_at DESC);

-- One-time links to set a password (invitations) or reset one. Only the SHA-256 of the token is
-- stored.
CREATE TABLE password_tokens (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id, created_at DESC);

-- Password-reset requests are logged beside sign-in attempts (and throttled per address).
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'bad_credentials', 'busy', 'throttled', 'unlocked',
                       'reset_requested', 'reset_throttled', 'password_set'));
