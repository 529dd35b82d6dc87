-- Days with no register: holidays and closures, as date ranges per school.
CREATE TABLE non_school_days (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind        TEXT NOT NULL DEFAULT 'holiday' CHECK (kind IN ('holiday', 'closure')),
    CHECK (starts_on <= ends_on)
);
CREATE INDEX non_school_days_school_idx ON non_school_days (school_id, starts_on);

-- A teacher covering a class for a date range sees it and may take its register meanwhile.
CREATE TABLE cover_assignments (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    teacher_id  BIGINT NOT NULL REFERENCES users(id),
    class_id    BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    note        TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    CHECK (starts_on <= ends_on)
);
CREATE INDEX cover_assignments_teacher_idx ON cover_assignments (teacher_id, starts_on, ends_on);
CREATE INDEX cover_assignments_class_idx ON cover_assignments (class_id);
