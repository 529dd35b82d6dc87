-- Five weeks of registers for school $1 (see seed::history::register_history).
-- $1 school (schools.id)   $2 the school days (date[])   $3 the student on a streak   $4 their streak's days (date[])
WITH codes AS (SELECT category, id FROM attendance_codes WHERE school_id = $1),
      base AS (
          SELECT e.school_id, e.class_id, e.student_id, day,
                 abs(hashtext(e.student_id::text || ':' || day::text)) % 100 AS roll,
                 (substring(st.student_number from '[0-9]+$'))::int AS n
            FROM enrolments e
            JOIN students st ON st.id = e.student_id
            CROSS JOIN unnest($2::date[]) AS day
           WHERE e.school_id = $1 AND day >= e.starts_on),
      decided AS (
          SELECT b.*, CASE
              WHEN b.student_id = $3 AND b.day = ANY($4::date[]) THEN 'absent'
              WHEN b.n % 13 = 7 AND b.roll < 22 THEN 'absent'
              WHEN b.n % 11 = 1 AND b.roll < 35 THEN 'late'
              WHEN b.roll < 3 THEN 'absent'
              WHEN b.roll < 5 THEN 'excused'
              ELSE 'present' END AS category
            FROM base b)
 INSERT INTO attendance (school_id, class_id, student_id, date, code_id, late_minutes, version, source, updated_by, updated_at)
 SELECT d.school_id, d.class_id, d.student_id, d.day, codes.id,
        CASE WHEN d.category = 'late' THEN 5 + d.roll % 20 END,
        1, 'teacher', c.homeroom_teacher_id, d.day + time '09:10'
   FROM decided d JOIN codes ON codes.category = d.category JOIN classes c ON c.id = d.class_id
