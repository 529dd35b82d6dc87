-- Per-school figures made by the insight refresh, so a dashboard reads a few rows.
CREATE TABLE school_insight (
    school_id      BIGINT PRIMARY KEY REFERENCES schools(id) ON DELETE CASCADE,
    students       INTEGER NOT NULL,
    teachers       INTEGER NOT NULL,
    classes        INTEGER NOT NULL,
    classes_with_students INTEGER NOT NULL,
    average_sum    DOUBLE PRECISION NOT NULL,
    average_count  INTEGER NOT NULL,
    high_performers INTEGER NOT NULL,
    at_risk        INTEGER NOT NULL
);

-- Students' subject averages per school and subject name: their sum and count, and how many fall
-- in each of the school's grade bands.
CREATE TABLE school_subject_insight (
    school_id  BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    subject    TEXT NOT NULL,
    letter     TEXT NOT NULL,
    band_min   DOUBLE PRECISION NOT NULL,
    students   INTEGER NOT NULL,
    average_sum DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (school_id, subject, letter)
);
