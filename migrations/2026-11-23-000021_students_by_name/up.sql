-- The district's list of students, by name: the first page is read from this index instead of
-- sorting every student.
CREATE INDEX students_name_idx ON students (family_name, given_name, id);
-- The search matches preferred names too; without their own index, that one OR turned every
-- search into a scan of every student.
CREATE INDEX students_preferred_name_trgm_idx ON students USING gin (preferred_name gin_trgm_ops);
