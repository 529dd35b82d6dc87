-- Rollbook foundation: the district's structure, people, sign-in sessions and the audit trail.
-- Every tenant table carries school_id (directly or through its parent) so a district can later be
-- distributed by school.

CREATE TABLE districts (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE schools (
    id           BIGSERIAL PRIMARY KEY,
    district_id  BIGINT NOT NULL REFERENCES districts(id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- IANA time zone name: dates shown and registers kept are this zone's calendar dates.
    timezone     TEXT NOT NULL DEFAULT 'Europe/London',
    -- ISO weekday numbers (1 = Monday … 7 = Sunday) with no school.
    weekend_days SMALLINT[] NOT NULL DEFAULT '{6,7}',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (district_id, name)
);

CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    -- Stored lower-cased and trimmed; compared the same way.
    email           TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name    TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role            TEXT NOT NULL CHECK (role IN ('admin', 'principal', 'teacher', 'parent')),
    -- Principals and teachers belong to one school; admins and parents to none.
    school_id       BIGINT REFERENCES schools(id),
    phone           TEXT,
    -- NULL until the person sets a password (an invitation is pending).
    password_hash   TEXT,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    -- Raised whenever credentials change; sessions signed in under an older value are dead.
    auth_version    INTEGER NOT NULL DEFAULT 1,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    last_login_at   TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role IN ('principal', 'teacher')) = (school_id IS NOT NULL))
);
CREATE INDEX users_school_role_idx ON users (school_id, role) WHERE school_id IS NOT NULL;

CREATE TABLE academic_years (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    CHECK (starts_on < ends_on),
    UNIQUE (school_id, name)
);

CREATE TABLE terms (
    id                BIGSERIAL PRIMARY KEY,
    school_id         BIGINT NOT NULL REFERENCES schools(id),
    academic_year_id  BIGINT NOT NULL REFERENCES academic_years(id) ON DELETE CASCADE,
    name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    starts_on         DATE NOT NULL,
    ends_on           DATE NOT NULL,
    CHECK (starts_on <= ends_on),
    UNIQUE (academic_year_id, name)
);

CREATE TABLE classes (
    id                  BIGSERIAL PRIMARY KEY,
    school_id           BIGINT NOT NULL REFERENCES schools(id),
    academic_year_id    BIGINT NOT NULL REFERENCES academic_years(id),
    name                TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    grade_level         TEXT NOT NULL CHECK (length(grade_level) BETWEEN 1 AND 20),
    homeroom_teacher_id BIGINT REFERENCES users(id),
    UNIQUE (academic_year_id, name)
);
CREATE INDEX classes_school_idx ON classes (school_id);
CREATE INDEX classes_homeroom_idx ON classes (homeroom_teacher_id) WHERE homeroom_teacher_id IS NOT NULL;

CREATE TABLE subjects (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    UNIQUE (school_id, name)
);

CREATE TABLE teacher_assignments (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    teacher_id  BIGINT NOT NULL REFERENCES users(id),
    class_id    BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    subject_id  BIGINT NOT NULL REFERENCES subjects(id),
    UNIQUE (class_id, subject_id, teacher_id)
);
CREATE INDEX teacher_assignments_teacher_idx ON teacher_assignments (teacher_id, class_id);

CREATE TABLE students (
    id              BIGSERIAL PRIMARY KEY,
    school_id       BIGINT NOT NULL REFERENCES schools(id),
    student_number  TEXT NOT NULL CHECK (length(student_number) BETWEEN 1 AND 40),
    given_name      TEXT NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    family_name     TEXT NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    preferred_name  TEXT CHECK (length(preferred_name) BETWEEN 1 AND 100),
    date_of_birth   DATE,
    gender          TEXT CHECK (length(gender) <= 40),
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    enrolled_on     DATE,
    medical_notes   TEXT NOT NULL DEFAULT '' CHECK (length(medical_notes) <= 4000),
    allergies       TEXT NOT NULL DEFAULT '' CHECK (length(allergies) <= 2000),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (school_id, student_number)
);
CREATE INDEX students_school_name_idx ON students (school_id, family_name, given_name);

CREATE TABLE enrolments (
    id          BIGSERIAL PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    student_id  BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    class_id    BIGINT NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    starts_on   DATE NOT NULL,
    ends_on     DATE,
    CHECK (ends_on IS NULL OR starts_on <= ends_on)
);
CREATE INDEX enrolments_class_idx ON enrolments (class_id, starts_on);
CREATE INDEX enrolments_student_idx ON enrolments (student_id, starts_on);

CREATE TABLE parent_students (
    parent_id               BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    student_id              BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    relationship            TEXT NOT NULL DEFAULT 'Parent' CHECK (length(relationship) BETWEEN 1 AND 40),
    may_view                BOOLEAN NOT NULL DEFAULT TRUE,
    receives_notifications  BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (parent_id, student_id)
);
CREATE INDEX parent_students_student_idx ON parent_students (student_id);

-- Server-side sessions (actix-session store). `id` is the SHA-256 of the cookie's session key, so
-- a copy of this table cannot be replayed as cookies.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    public_id     TEXT NOT NULL UNIQUE,
    user_id       BIGINT REFERENCES users(id) ON DELETE CASCADE,
    auth_version  INTEGER,
    state         JSONB NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);

CREATE TABLE login_events (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    email       TEXT NOT NULL,
    ip          TEXT,
    user_agent  TEXT,
    outcome     TEXT NOT NULL
);
CREATE INDEX login_events_user_idx ON login_events (user_id, at DESC);
CREATE INDEX login_events_ip_idx ON login_events (ip, at DESC);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    ip          TEXT,
    school_id   BIGINT REFERENCES schools(id) ON DELETE SET NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   BIGINT,
    before      JSONB,
    after       JSONB
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
