-- A parent's explanation of an absence, accepted (the mark becomes Excused) or declined by the office.
CREATE TABLE absence_reasons (
    id             BIGSERIAL PRIMARY KEY,
    school_id      BIGINT NOT NULL REFERENCES schools(id),
    attendance_id  BIGINT NOT NULL REFERENCES attendance(id) ON DELETE CASCADE,
    student_id     BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    parent_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at     TIMESTAMPTZ NOT NULL,
    decided_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    decided_at     TIMESTAMPTZ,
    response       TEXT NOT NULL DEFAULT '' CHECK (length(response) <= 1000)
);
CREATE UNIQUE INDEX absence_reasons_one_pending_idx ON absence_reasons (attendance_id) WHERE status = 'pending';
CREATE INDEX absence_reasons_school_idx ON absence_reasons (school_id, status, created_at);
CREATE INDEX absence_reasons_student_idx ON absence_reasons (student_id);
