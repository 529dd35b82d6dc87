-- Gradebook: assessments, versioned scores with history, category weights, grade scales,
-- behaviour and participation, report comments, and the school's gradebook settings.

ALTER TABLE schools
    ADD COLUMN missing_counts_as_zero BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN parents_see_class_average BOOLEAN NOT NULL DEFAULT TRUE,
    ADD COLUMN parents_see_behaviour BOOLEAN NOT NULL DEFAULT TRUE;

-- Assessment categories (the "type" of an assessment: quiz, test, exam, assignment, or one the
-- school adds). Weights are set per class and subject on these.
CREATE TABLE assessment_categories (
    id        BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    name      TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    position  SMALLINT NOT NULL DEFAULT 0,
    UNIQUE (school_id, name)
);
INSERT INTO assessment_categories (school_id, name, position)
SELECT s.id, c.name, c.position FROM schools s
 CROSS JOIN (VALUES ('Quiz', 1), ('Test', 2), ('Exam', 3), ('Assignment', 4)) AS c(name, position);

CREATE TABLE category_weights (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    class_id    BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    subject_id  BIGINT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES assessment_categories(id) ON DELETE CASCADE,
    weight      NUMERIC(6,2) NOT NULL CHECK (weight > 0 AND weight <= 1000),
    UNIQUE (class_id, subject_id, category_id)
);

-- Letter bands: the lowest percentage for each letter.
CREATE TABLE grade_bands (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    letter      TEXT NOT NULL CHECK (length(letter) BETWEEN 1 AND 3),
    min_percent NUMERIC(5,2) NOT NULL CHECK (min_percent BETWEEN 0 AND 100),
    UNIQUE (school_id, letter),
    UNIQUE (school_id, min_percent)
);
INSERT INTO grade_bands (school_id, letter, min_percent)
SELECT s.id, b.letter, b.min_percent FROM schools s
 CROSS JOIN (VALUES ('A', 90), ('B', 80), ('C', 70), ('D', 60), ('F', 0)) AS b(letter, min_percent);

CREATE TABLE assessments (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    class_id    BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    subject_id  BIGINT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
    term_id     BIGINT NOT NULL REFERENCES terms(id),
    category_id BIGINT NOT NULL REFERENCES assessment_categories(id),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    date        DATE NOT NULL,
    max_score   NUMERIC(7,2) NOT NULL CHECK (max_score > 0 AND max_score <= 10000),
    published   BOOLEAN NOT NULL DEFAULT FALSE,
    archived    BOOLEAN NOT NULL DEFAULT FALSE,
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX assessments_class_subject_idx ON assessments (class_id, subject_id, date, id);
CREATE INDEX assessments_school_term_idx ON assessments (school_id, term_id);

-- One score per assessment and student. status 'blank' keeps the row (and its version and
-- history) when a teacher clears a cell.
CREATE TABLE scores (
    id            BIGSERIAL PRIMARY KEY,
    school_id     BIGINT NOT NULL REFERENCES schools(id),
    assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    student_id    BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('score', 'excused', 'missing', 'blank')),
    score         NUMERIC(7,2) CHECK ((status = 'score') = (score IS NOT NULL) AND (score IS NULL OR score >= 0)),
    comment       TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    version       INTEGER NOT NULL DEFAULT 1,
    updated_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (assessment_id, student_id)
);
CREATE INDEX scores_student_idx ON scores (student_id, assessment_id);

CREATE TABLE score_changes (
    id          BIGSERIAL PRIMARY KEY,
    score_id    BIGINT NOT NULL REFERENCES scores(id) ON DELETE CASCADE,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    changed_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    changed_at  TIMESTAMPTZ NOT NULL,
    from_status TEXT,
    from_score  NUMERIC(7,2),
    to_status   TEXT NOT NULL,
    to_score    NUMERIC(7,2),
    version     INTEGER NOT NULL
);
CREATE INDEX score_changes_score_idx ON score_changes (score_id, id);

CREATE TABLE behaviour_categories (
    id        BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    name      TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    kind      TEXT NOT NULL CHECK (kind IN ('positive', 'negative')),
    position  SMALLINT NOT NULL DEFAULT 0,
    UNIQUE (school_id, name)
);
INSERT INTO behaviour_categories (school_id, name, kind, position)
SELECT s.id, c.name, c.kind, c.position FROM schools s
 CROSS JOIN (VALUES ('Helpful to others', 'positive', 1), ('Excellent effort', 'positive', 2),
                    ('Disruption', 'negative', 3), ('Homework not done', 'negative', 4),
                    ('Unkind behaviour', 'negative', 5)) AS c(name, kind, position);

CREATE TABLE behaviour_records (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    student_id  BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    class_id    BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES behaviour_categories(id),
    kind        TEXT NOT NULL CHECK (kind IN ('positive', 'negative')),
    date        DATE NOT NULL,
    note        TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    recorded_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX behaviour_student_date_idx ON behaviour_records (student_id, date);
CREATE INDEX behaviour_class_date_idx ON behaviour_records (class_id, date);
CREATE INDEX behaviour_school_date_idx ON behaviour_records (school_id, date) WHERE kind = 'negative';

CREATE TABLE participation (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    student_id  BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    class_id    BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    event       TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 120),
    date        DATE NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('participated', 'absent', 'withdrawn', 'winner')),
    remarks     TEXT NOT NULL DEFAULT '' CHECK (length(remarks) <= 500),
    recorded_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX participation_student_idx ON participation (student_id, date);
CREATE INDEX participation_class_idx ON participation (class_id, date);

-- The teacher's comment on a student's term report.
CREATE TABLE report_comments (
    id         BIGSERIAL PRIMARY KEY,
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    student_id BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    term_id    BIGINT NOT NULL REFERENCES terms(id) ON DELETE CASCADE,
    comment    TEXT NOT NULL CHECK (length(comment) <= 2000),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (student_id, term_id)
);
