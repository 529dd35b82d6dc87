DROP INDEX students_number_trgm_idx;
DROP INDEX students_family_name_trgm_idx;
DROP INDEX students_given_name_trgm_idx;
DROP TABLE emergency_contacts;
DROP TABLE guardians;
