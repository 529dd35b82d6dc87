-- Registers: one mark per student, class and school-local date, versioned, with a full history.

ALTER TABLE schools ADD COLUMN edit_window_days INTEGER NOT NULL DEFAULT 7 CHECK (edit_window_days BETWEEN 0 AND 365);

-- Each school's codes. `category` decides the rate (DESIGN.md §4): present and late are
-- attended; present, late and absent are counted; excused is left out of both.
CREATE TABLE attendance_codes (
    id             BIGSERIAL PRIMARY KEY,
    school_id      BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    code           TEXT NOT NULL CHECK (code ~ '^[A-Z0-9]{1,2}$'),
    label          TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 40),
    category       TEXT NOT NULL CHECK (category IN ('present', 'late', 'absent', 'excused')),
    teacher_usable BOOLEAN NOT NULL DEFAULT TRUE,
    position       SMALLINT NOT NULL DEFAULT 0,
    UNIQUE (school_id, code)
);

INSERT INTO attendance_codes (school_id, code, label, category, position)
SELECT s.id, c.code, c.label, c.category, c.position
  FROM schools s CROSS JOIN (VALUES ('P', 'Present', 'present', 1), ('A', 'Absent', 'absent', 2),
                                    ('L', 'Late', 'late', 3), ('E', 'Excused', 'excused', 4)) AS c(code, label, category, position);

CREATE TABLE attendance (
    id            BIGSERIAL PRIMARY KEY,
    school_id     BIGINT NOT NULL REFERENCES schools(id),
    class_id      BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    student_id    BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    date          DATE NOT NULL,
    code_id       BIGINT NOT NULL REFERENCES attendance_codes(id),
    late_minutes  SMALLINT CHECK (late_minutes BETWEEN 0 AND 600),
    note          TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    version       INTEGER NOT NULL DEFAULT 1,
    source        TEXT NOT NULL DEFAULT 'teacher' CHECK (source IN ('teacher', 'office')),
    updated_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (student_id, class_id, date)
);
CREATE INDEX attendance_class_date_idx ON attendance (class_id, date);
CREATE INDEX attendance_student_date_idx ON attendance (student_id, date);
CREATE INDEX attendance_school_date_idx ON attendance (school_id, date);

-- Append-only: every change of a mark, from what to what, by whom, teacher or office.
CREATE TABLE attendance_changes (
    id             BIGSERIAL PRIMARY KEY,
    attendance_id  BIGINT NOT NULL REFERENCES attendance(id) ON DELETE CASCADE,
    school_id      BIGINT NOT NULL REFERENCES schools(id),
    changed_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    changed_at     TIMESTAMPTZ NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('teacher', 'office')),
    from_code_id   BIGINT REFERENCES attendance_codes(id),
    to_code_id     BIGINT NOT NULL REFERENCES attendance_codes(id),
    from_note      TEXT,
    to_note        TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL
);
CREATE INDEX attendance_changes_mark_idx ON attendance_changes (attendance_id, id);
