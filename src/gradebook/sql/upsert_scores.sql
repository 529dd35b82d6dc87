-- Saves cells ($1[i], $2[i]) of class $6 and subject $7: all of them, or none when any was
-- changed since the page loaded (its stored version is not the $5[i] the page saw). A cell
-- equal to the stored one is left alone whatever version it carries. Locks the stored cells
-- in a fixed order, upserts the changed ones with a version guard, appends their history, and
-- answers the conflicting cells and how many were written; a cell created by another save
-- meanwhile raises 'rollbook: conflicting mark' (the caller reads again and retries).
-- $1 assessments (assessments.id[])   $2 students (students.id[])   $3 statuses (text[])
-- $4 scores (float8[], NULL where none)   $5 versions seen (int[], 0: nothing stored)
-- $6 class (classes.id)   $7 subject (subjects.id)   $8 school (schools.id)
-- $9 who (users.id)   $10 when (timestamptz)
WITH input AS (
        SELECT i.assessment_id, i.student_id, i.status, i.score::numeric(7,2) AS score, i.seen_version
          FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::float8[], $5::int[])
               AS i(assessment_id, student_id, status, score, seen_version)
          JOIN assessments a ON a.id = i.assessment_id AND a.class_id = $6::bigint
                            AND a.subject_id = $7::bigint),
    cur AS (
        SELECT s.assessment_id, s.student_id, s.status, s.score, s.version
          FROM scores s
         WHERE s.assessment_id = ANY($1::bigint[]) AND s.student_id = ANY($2::bigint[])
         ORDER BY s.assessment_id, s.student_id FOR UPDATE),
    classified AS (
        SELECT i.*, c.status AS from_status, c.score AS from_score, c.version AS cur_version,
               (CASE WHEN c.student_id IS NULL THEN i.status = 'blank'
                     ELSE c.status = i.status AND c.score IS NOT DISTINCT FROM i.score END) AS same
          FROM input i LEFT JOIN cur c USING (assessment_id, student_id)),
    bad AS (SELECT assessment_id, student_id FROM classified
             WHERE NOT same AND COALESCE(cur_version, 0) <> seen_version),
    towrite AS (SELECT * FROM classified WHERE NOT same AND NOT EXISTS (SELECT 1 FROM bad)),
    up AS (
        INSERT INTO scores (school_id, assessment_id, student_id, status, score, version, updated_by, updated_at)
        SELECT $8::bigint, t.assessment_id, t.student_id, t.status, t.score,
               COALESCE(t.cur_version, 0) + 1, $9::bigint, $10::timestamptz
          FROM towrite t ORDER BY t.assessment_id, t.student_id
        ON CONFLICT (assessment_id, student_id) DO UPDATE
           SET status = EXCLUDED.status, score = EXCLUDED.score, version = scores.version + 1,
               updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
         WHERE scores.version = EXCLUDED.version - 1
        RETURNING id, assessment_id, student_id, status, score, version),
    history AS (
        INSERT INTO score_changes (score_id, school_id, changed_by, changed_at, from_status,
                                   from_score, to_status, to_score, version)
        SELECT up.id, $8::bigint, $9::bigint, $10::timestamptz, t.from_status, t.from_score,
               up.status, up.score, up.version
          FROM up JOIN towrite t USING (assessment_id, student_id))
SELECT COALESCE((SELECT array_agg(assessment_id ORDER BY assessment_id, student_id) FROM bad), '{}') AS conflict_assessments,
       COALESCE((SELECT array_agg(student_id ORDER BY assessment_id, student_id) FROM bad), '{}') AS conflict_students,
       (SELECT count(*) FROM up) AS written,
       CASE WHEN (SELECT count(*) FROM up) < (SELECT count(*) FROM towrite)
            THEN rollbook_raise('rollbook: conflicting mark') ELSE 0 END AS guard
