-- Who to call about a student: guardians (with their relationship) and emergency contacts.
CREATE TABLE guardians (
    id            BIGSERIAL PRIMARY KEY,
    school_id     BIGINT NOT NULL REFERENCES schools(id),
    student_id    BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    position      SMALLINT NOT NULL DEFAULT 0,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    relationship  TEXT NOT NULL DEFAULT '' CHECK (length(relationship) <= 40),
    phone         TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    email         TEXT NOT NULL DEFAULT '' CHECK (length(email) <= 254)
);
CREATE INDEX guardians_student_idx ON guardians (student_id, position);

CREATE TABLE emergency_contacts (
    id            BIGSERIAL PRIMARY KEY,
    school_id     BIGINT NOT NULL REFERENCES schools(id),
    student_id    BIGINT NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    position      SMALLINT NOT NULL DEFAULT 0,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    relationship  TEXT NOT NULL DEFAULT '' CHECK (length(relationship) <= 40),
    phone         TEXT NOT NULL CHECK (length(phone) BETWEEN 1 AND 40)
);
CREATE INDEX emergency_contacts_student_idx ON emergency_contacts (student_id, position);

-- Search students by name or number.
CREATE INDEX students_given_name_trgm_idx ON students USING gin (given_name gin_trgm_ops);
CREATE INDEX students_family_name_trgm_idx ON students USING gin (family_name gin_trgm_ops);
CREATE INDEX students_number_trgm_idx ON students USING gin (student_number gin_trgm_ops);
