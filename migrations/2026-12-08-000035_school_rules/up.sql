-- Each school rule once (DESIGN.md §4), as SQL functions every statement calls; `domain/` holds
-- the same rules in Rust and tests/it/rules.rs compares the two on the demo district.

-- Enrolled on `day`: started on or before it and not ended before it. A plain SQL expression,
-- so PostgreSQL inlines it and the enrolments' indexes still apply.
CREATE FUNCTION rollbook_enrolled_on(starts_on date, ends_on date, day date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT starts_on <= day AND (ends_on IS NULL OR ends_on >= day) $$;

-- The attendance rate: (present + late) / (present + late + absent), excused left out; NULL when
-- nothing is counted.
CREATE FUNCTION rollbook_attendance_rate(present bigint, late bigint, absent bigint) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (present + late)::float8 / NULLIF(present + late + absent, 0) $$;

-- Chronic absence under a school's thresholds: a rate (0–1) below `below_percent`, or a streak of
-- `streak_days` absent school days or more.
CREATE FUNCTION rollbook_chronic(rate float8, streak bigint, below_percent numeric, streak_days bigint)
    RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT COALESCE(rate < below_percent::float8 / 100, FALSE) OR COALESCE(streak, 0) >= streak_days $$;

-- A school's current term on `day`: the latest one started, else its first.
CREATE FUNCTION rollbook_current_term(school bigint, day date) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT t.id FROM terms t WHERE t.school_id = school
          ORDER BY t.starts_on <= day DESC,
                   CASE WHEN t.starts_on <= day THEN t.starts_on END DESC,
                   t.starts_on
          LIMIT 1 $$;

-- Teacher `teacher` teaches class `class` on `day`: its homeroom teacher, a subject assignment,
-- or a cover that includes the day.
CREATE FUNCTION rollbook_teaches(teacher bigint, class bigint, day date) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT EXISTS (SELECT 1 FROM classes c WHERE c.id = class AND c.homeroom_teacher_id = teacher)
              OR EXISTS (SELECT 1 FROM teacher_assignments ta WHERE ta.class_id = class AND ta.teacher_id = teacher)
              OR EXISTS (SELECT 1 FROM cover_assignments ca WHERE ca.class_id = class AND ca.teacher_id = teacher
                           AND ca.starts_on <= day AND ca.ends_on >= day) $$;
