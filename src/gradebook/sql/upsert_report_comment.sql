-- Student $2's report comment for term $3: a new comment, an edit at the version $7 the page
-- saw, or the same text again (a retry); anything else (someone else's newer comment) changes
-- no row.
-- $1 school (schools.id)   $2 student (students.id)   $3 term (terms.id)   $4 comment
-- $5 who (users.id)   $6 when (timestamptz)   $7 version seen
INSERT INTO report_comments (school_id, student_id, term_id, comment, version, updated_by, updated_at)
VALUES ($1, $2, $3, $4, 1, $5, $6)
ON CONFLICT (student_id, term_id) DO UPDATE
   SET comment = EXCLUDED.comment, version = report_comments.version + 1,
       updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
 WHERE report_comments.version = $7 OR report_comments.comment = EXCLUDED.comment
