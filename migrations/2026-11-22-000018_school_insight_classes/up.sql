-- Each school's classes of the current year as the lists' class filter offers them (JSON, by
-- grade and name), made with the rest of the summaries.
ALTER TABLE school_insight ADD COLUMN class_options TEXT NOT NULL DEFAULT '[]';
