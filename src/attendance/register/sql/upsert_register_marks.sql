-- Saves marks of class $7 on $8, atomically: locks the existing marks in student order, finds
-- those someone else changed since the page was loaded (then nothing is written), upserts the
-- rest with a version guard, appends their history and queues the parents' emails (texts rendered
-- by the caller, one per student and parent). If another save created one of these marks in
-- between, the guard fails the whole statement. Answers the conflicting students, how many marks
-- were written (and each written student's new version) and how many emails queued.
-- $1 students (students.id[])   $2 codes (attendance_codes.id[])   $3 versions seen (int[])
-- $4 minutes late (smallint[])   $5 notes (text[]): one element per mark, in student order
-- $6 school (schools.id)   $7 class (classes.id)   $8 day   $9 source ('teacher' or 'office')
-- $10 actor (users.id)   $11 at   $12 the school-local today
-- $13 students (bigint[])   $14 parents (users.id[])   $15 absence subjects   $16 absence bodies
-- $17 correction subjects   $18 correction bodies (text[]): the emails, one element per student
-- and parent
WITH input AS (
        SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::smallint[], $5::text[])
            AS i(student_id, code_id, seen_version, late_minutes, note)),
    cur AS (
        SELECT a.student_id, a.code_id, a.version, a.late_minutes, a.note
          FROM attendance a
         WHERE a.class_id = $7::bigint AND a.date = $8::date AND a.student_id = ANY($1::bigint[])
         ORDER BY a.student_id FOR UPDATE),
    classified AS (
        SELECT i.*, c.code_id AS from_code, c.note AS from_note, c.version AS cur_version,
               (c.student_id IS NOT NULL AND c.code_id = i.code_id
                AND c.late_minutes IS NOT DISTINCT FROM i.late_minutes AND c.note = i.note) AS same
          FROM input i LEFT JOIN cur c USING (student_id)),
    bad AS (SELECT student_id FROM classified WHERE NOT same AND COALESCE(cur_version, 0) <> seen_version),
    towrite AS (SELECT * FROM classified WHERE NOT same AND NOT EXISTS (SELECT 1 FROM bad)),
    up AS (
        INSERT INTO attendance (school_id, class_id, student_id, date, code_id, late_minutes, note, version, source, updated_by, updated_at)
        SELECT $6::bigint, $7::bigint, t.student_id, $8::date, t.code_id, t.late_minutes, t.note,
               COALESCE(t.cur_version, 0) + 1, $9::text, $10::bigint, $11::timestamptz
          FROM towrite t ORDER BY t.student_id
        ON CONFLICT (student_id, class_id, date) DO UPDATE
           SET code_id = EXCLUDED.code_id, late_minutes = EXCLUDED.late_minutes, note = EXCLUDED.note,
               version = attendance.version + 1, source = EXCLUDED.source,
               updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
         WHERE attendance.version = EXCLUDED.version - 1
        RETURNING id, student_id, code_id, note, version),
    history AS (
        INSERT INTO attendance_changes (attendance_id, school_id, changed_by, changed_at, source, from_code_id, to_code_id, from_note, to_note, version)
        SELECT up.id, $6::bigint, $10::bigint, $11::timestamptz, $9::text, t.from_code, up.code_id, t.from_note, up.note, up.version
          FROM up JOIN towrite t USING (student_id)),
    texts AS (
        SELECT * FROM unnest($13::bigint[], $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[])
            AS m(student_id, parent_id, absence_subject, absence_body, correction_subject, correction_body)),
    -- Who is told: parents linked with notifications on, once per child, parent and day.
    changed AS (
        SELECT up.student_id, nc.category AS new_category, oc.category AS old_category,
               u.id AS parent_id, u.email, m.absence_subject, m.absence_body,
               m.correction_subject, m.correction_body
          FROM up JOIN towrite i USING (student_id)
          JOIN attendance_codes nc ON nc.id = up.code_id
          LEFT JOIN attendance_codes oc ON oc.id = i.from_code
          JOIN parent_students ps ON ps.student_id = up.student_id AND ps.receives_notifications AND ps.may_view
          JOIN users u ON u.id = ps.parent_id AND u.active
          JOIN texts m ON m.student_id = up.student_id AND m.parent_id = u.id),
    absences AS (
        INSERT INTO outbox_emails (created_at, school_id, kind, to_address, subject, body_text, next_attempt_at, dedupe_key)
        SELECT $11::timestamptz, $6::bigint, 'absence', c.email, c.absence_subject, c.absence_body,
               $11::timestamptz, 'absence:' || c.student_id || ':' || $8::date || ':' || c.parent_id
          FROM changed c
         WHERE c.new_category = 'absent' AND c.old_category IS DISTINCT FROM 'absent'
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING 1),
    corrections AS (
        INSERT INTO outbox_emails (created_at, school_id, kind, to_address, subject, body_text, next_attempt_at, dedupe_key)
        SELECT $11::timestamptz, $6::bigint, 'absence_correction', c.email, c.correction_subject, c.correction_body,
               $11::timestamptz, 'absence-correction:' || c.student_id || ':' || $8::date || ':' || c.parent_id
          FROM changed c
         WHERE c.old_category = 'absent' AND c.new_category IN ('present', 'late') AND $8::date = $12::date
           AND EXISTS (SELECT 1 FROM outbox_emails o
                        WHERE o.dedupe_key = 'absence:' || c.student_id || ':' || $8::date || ':' || c.parent_id)
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING 1)
SELECT COALESCE((SELECT array_agg(student_id) FROM bad), '{}') AS conflicting,
       (SELECT count(*) FROM up) AS written,
       COALESCE((SELECT array_agg(up.student_id ORDER BY up.student_id) FROM up), '{}') AS saved_students,
       COALESCE((SELECT array_agg(up.version ORDER BY up.student_id) FROM up), '{}') AS saved_versions,
       (SELECT count(*) FROM absences) + (SELECT count(*) FROM corrections) AS emailed,
       CASE WHEN (SELECT count(*) FROM up) < (SELECT count(*) FROM towrite)
            THEN rollbook_raise('rollbook: conflicting mark') ELSE 0 END AS guard,
       -- Only the school's own codes (migration 28 keeps the codes key's promise so).
       CASE WHEN EXISTS (SELECT 1 FROM input i WHERE NOT EXISTS (
                SELECT 1 FROM attendance_codes c WHERE c.id = i.code_id AND c.school_id = $6::bigint))
            THEN rollbook_raise('rollbook: not one of the school''s attendance codes') ELSE 0 END AS known
