ALTER TABLE school_insight DROP COLUMN class_options;
