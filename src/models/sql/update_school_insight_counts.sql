-- Recounts each school's students at risk and high performers from the summary rows' flags.
-- $1 school (schools.id), NULL for every school (after a refresh)
UPDATE school_insight si
   SET at_risk = (SELECT count(*) FROM student_insight i WHERE i.school_id = si.school_id AND i.at_risk),
       high_performers = (SELECT count(*) FROM student_insight i WHERE i.school_id = si.school_id AND i.high_performer)
 WHERE $1::bigint IS NULL OR si.school_id = $1
