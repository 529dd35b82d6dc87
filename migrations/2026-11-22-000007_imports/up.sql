-- Uploaded CSV files waiting for confirmation (and a record of what was imported).
CREATE TABLE imports (
    id            BIGSERIAL PRIMARY KEY,
    school_id     BIGINT NOT NULL REFERENCES schools(id),
    kind          TEXT NOT NULL CHECK (kind IN ('students', 'people')),
    uploaded_by   BIGINT NOT NULL REFERENCES users(id),
    filename      TEXT NOT NULL,
    content       TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL DEFAULT 'previewed' CHECK (status IN ('previewed', 'committed')),
    committed_at  TIMESTAMPTZ,
    summary       JSONB
);
CREATE INDEX imports_school_idx ON imports (school_id, created_at DESC);
