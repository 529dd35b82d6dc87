-- Two indexes began with the student: the unique (student_id, class_id, date) behind a register
-- save's upsert, and the covering (student_id, date) that lets a parent's page count a year of
-- marks from the index alone. One unique index on (student_id, date, class_id), carrying the code
-- and id, does both: the same three columns are unique (ON CONFLICT (student_id, class_id, date)
-- names the set, not the order), a save finds its 30 marks by all three, and a child's marks of a
-- period are one range. Every mark written (each save changes the code, so no update is HOT)
-- then updates four indexes instead of five.
CREATE UNIQUE INDEX attendance_student_date_class_key
    ON attendance (student_id, date, class_id) INCLUDE (code_id, id);
ALTER TABLE attendance DROP CONSTRAINT attendance_student_id_class_id_date_key;
DROP INDEX attendance_student_date_idx;
