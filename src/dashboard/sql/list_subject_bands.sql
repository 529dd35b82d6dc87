-- Performance by subject name across the scope, from the summaries: how many students' averages
-- reach each grade band, and each subject's mean. A few rows per school and subject, so one
-- statement serves a school and the district.
-- $1 school (schools.id), NULL for the district
WITH rows AS (
    SELECT subject, letter, band_min, students, average_sum FROM school_subject_insight
     WHERE $1::bigint IS NULL OR school_id = $1),
per_subject AS (SELECT subject, sum(average_sum) / sum(students) AS subject_average, sum(students)::bigint AS subject_students
                  FROM rows GROUP BY subject)
SELECT r.subject, r.letter, max(r.band_min) AS band_min, sum(r.students)::bigint AS students,
       ps.subject_average, ps.subject_students
  FROM rows r JOIN per_subject ps USING (subject)
 GROUP BY r.subject, r.letter, ps.subject_average, ps.subject_students
 ORDER BY r.subject, band_min DESC
