DROP INDEX students_preferred_name_trgm_idx;
DROP INDEX students_name_idx;
