-- Insight: early-warning thresholds per school, and summaries refreshed on a schedule (the age is
-- shown on every page that uses them) so dashboards never aggregate millions of rows per request.

ALTER TABLE schools
    ADD COLUMN risk_attendance_below NUMERIC(5,2) NOT NULL DEFAULT 90 CHECK (risk_attendance_below BETWEEN 0 AND 100),
    ADD COLUMN risk_average_below NUMERIC(5,2) NOT NULL DEFAULT 60 CHECK (risk_average_below BETWEEN 0 AND 100),
    ADD COLUMN risk_negative_records SMALLINT NOT NULL DEFAULT 3 CHECK (risk_negative_records BETWEEN 1 AND 100),
    ADD COLUMN risk_absence_streak SMALLINT NOT NULL DEFAULT 3 CHECK (risk_absence_streak BETWEEN 1 AND 60),
    ADD COLUMN high_average_from NUMERIC(5,2) NOT NULL DEFAULT 85 CHECK (high_average_from BETWEEN 0 AND 100),
    ADD COLUMN high_attendance_from NUMERIC(5,2) NOT NULL DEFAULT 95 CHECK (high_attendance_from BETWEEN 0 AND 100);

-- One row per active student of a school with a current term: term-to-date figures.
CREATE TABLE student_insight (
    student_id     BIGINT PRIMARY KEY REFERENCES students(id) ON DELETE CASCADE,
    school_id      BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    term_id        BIGINT NOT NULL REFERENCES terms(id) ON DELETE CASCADE,
    present        INTEGER NOT NULL,
    late           INTEGER NOT NULL,
    absent         INTEGER NOT NULL,
    excused        INTEGER NOT NULL,
    attendance_rate DOUBLE PRECISION,
    overall_average DOUBLE PRECISION,
    negative_30d   INTEGER NOT NULL,
    absence_streak INTEGER NOT NULL
);
CREATE INDEX student_insight_school_idx ON student_insight (school_id);

CREATE TABLE student_subject_insight (
    student_id BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    subject_id BIGINT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
    school_id  BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    average    DOUBLE PRECISION,
    PRIMARY KEY (student_id, subject_id)
);
CREATE INDEX student_subject_insight_school_idx ON student_subject_insight (school_id, subject_id);

-- Per school and week (Monday): attendance counts and the marks of assessments dated that week.
CREATE TABLE school_week_insight (
    school_id  BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    week       DATE NOT NULL,
    attended   INTEGER NOT NULL,
    counted    INTEGER NOT NULL,
    score_sum  DOUBLE PRECISION NOT NULL,
    score_count INTEGER NOT NULL,
    PRIMARY KEY (school_id, week)
);

CREATE TABLE insight_refreshes (
    id           BIGSERIAL PRIMARY KEY,
    refreshed_at TIMESTAMPTZ NOT NULL,
    took_ms      INTEGER NOT NULL
);
