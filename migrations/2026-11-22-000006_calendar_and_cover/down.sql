DROP TABLE cover_assignments;
DROP TABLE non_school_days;
