DROP INDEX IF EXISTS terms_school_starts_idx;
