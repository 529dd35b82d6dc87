-- Deletes assessment $1 if it has no marks: the check and the delete are one statement.
-- $1 assessment (assessments.id)
DELETE FROM assessments a
 WHERE a.id = $1
   AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.assessment_id = a.id AND s.status <> 'blank')
