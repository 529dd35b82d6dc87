-- Each school's students' averages by subject name and grade band (the band each average
-- reaches), from the students' subject averages just made.
-- (no parameters)
INSERT INTO school_subject_insight (school_id, subject, letter, band_min, students, average_sum)
SELECT si.school_id, sub.name, g.letter, g.min_percent::float8, count(*), sum(si.average)
  FROM student_subject_insight si JOIN subjects sub ON sub.id = si.subject_id
  JOIN LATERAL (SELECT gb.letter, gb.min_percent FROM grade_bands gb
                 WHERE gb.school_id = si.school_id AND si.average >= gb.min_percent
                 ORDER BY gb.min_percent DESC LIMIT 1) g ON TRUE
 WHERE si.average IS NOT NULL
 GROUP BY si.school_id, sub.name, g.letter, g.min_percent
