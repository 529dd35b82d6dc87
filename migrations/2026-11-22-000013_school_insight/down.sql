DROP TABLE school_subject_insight, school_insight;
